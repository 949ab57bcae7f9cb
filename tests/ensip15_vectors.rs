//! Every official ENSIP-15 validation vector (`tests/fixtures/ensip15-tests.json`, from the
//! reference implementation ens-normalize.js 1.11.1, MIT): valid names normalize to `norm`
//! (or to themselves), invalid ones fail. Beautified output and the exact error message are
//! checked against what the reference returns for the same names
//! (`tests/fixtures/ensip15-reference.json`, see `ensip15-reference.mjs` beside it).

use hybrid_edge::resolve::{beautify, normalize, ResolveError};
use serde_json::Value;

const VECTORS: &str = include_str!("fixtures/ensip15-tests.json");
const REFERENCE: &str = include_str!("fixtures/ensip15-reference.json");

fn message(err: ResolveError) -> String {
    match err {
        ResolveError::InvalidName { reason } => reason.to_string(),
        other => other.to_string(),
    }
}

#[test]
fn all_validation_vectors_pass() {
    let vectors: Vec<Value> = serde_json::from_str(VECTORS).expect("vectors parse");
    let reference: Value = serde_json::from_str(REFERENCE).expect("reference parses");
    let results = reference["results"].as_array().expect("results");
    assert_eq!(results.len(), vectors.len());

    let mut failures = Vec::new();
    let (mut valid, mut invalid) = (0, 0);
    for (vector, expected) in vectors.iter().zip(results) {
        if vector.get("validated").is_some() {
            continue; // the header: versions and hashes
        }
        let name = vector["name"].as_str().expect("name");
        if vector.get("error").and_then(Value::as_bool) == Some(true) {
            invalid += 1;
            let want = expected["error"].as_str().expect("reference has the error");
            match normalize(name) {
                Ok(got) => {
                    failures.push(format!("{name:?}: normalized to {got:?}, expected error"))
                }
                Err(err) => {
                    let got = message(err);
                    if got != want {
                        failures.push(format!("{name:?}: reason {got:?}, reference {want:?}"));
                    }
                }
            }
            if let Ok(got) = beautify(name) {
                failures.push(format!("{name:?}: beautified to {got:?}, expected error"));
            }
        } else {
            valid += 1;
            let norm = vector.get("norm").and_then(Value::as_str).unwrap_or(name);
            match normalize(name) {
                Ok(got) if got == norm => {}
                other => failures.push(format!("{name:?}: {other:?}, expected {norm:?}")),
            }
            if normalize(norm).as_deref() != Ok(norm) {
                failures.push(format!(
                    "{norm:?}: normalized form does not normalize to itself"
                ));
            }
            let pretty = expected
                .get("beautify")
                .and_then(Value::as_str)
                .unwrap_or(norm);
            match beautify(name) {
                Ok(got) if got == pretty => {}
                other => {
                    failures.push(format!("{name:?}: beautify {other:?}, expected {pretty:?}"))
                }
            }
        }
    }
    assert_eq!(valid + invalid, 38_613, "vector count");
    assert!(
        failures.is_empty(),
        "{} of 38613 vectors fail; first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
