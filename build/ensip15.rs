//! Turns the published ENSIP-15 data (`data/ensip15/spec.json`, `nf.json`) into one compact
//! blob of LEB128 varints, `$OUT_DIR/ensip15.bin`, that `src/resolve/normalize/tables.rs`
//! decodes once at run time.
//!
//! Sets are written as ranges, lists as deltas: the 3.3 MB JSON becomes a blob that gzip
//! (and so the gzipped `.wasm`) shrinks further. Everything that the reference
//! implementation derives at start-up from the spec and that is costly (the valid set closed
//! under NFD, the unique set, whole-script confusable complements) is derived here instead.
//! The section order must match `Tables::decode`.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const FE0F: u32 = 0xFE0F;

/// Entry point, called by `build.rs`.
pub fn generate(manifest_dir: &Path, out_dir: &Path) {
    let spec_path = manifest_dir.join("data/ensip15/spec.json");
    let nf_path = manifest_dir.join("data/ensip15/nf.json");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    println!("cargo:rerun-if-changed={}", nf_path.display());
    let spec: Value = read_json(&spec_path);
    let nf: Value = read_json(&nf_path);
    let blob = encode(&spec, &nf);
    std::fs::write(out_dir.join("ensip15.bin"), blob).expect("write ensip15.bin");
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cps(v: &Value) -> Vec<u32> {
    v.as_array()
        .expect("array of code points")
        .iter()
        .map(|x| u32::try_from(x.as_u64().expect("code point")).expect("code point fits u32"))
        .collect()
}

fn field<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or_else(|| panic!("missing field {key}"))
}

struct Writer(Vec<u8>);

impl Writer {
    fn uint(&mut self, mut v: u32) {
        loop {
            let byte = (v & 0x7F) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(byte);
                return;
            }
            self.0.push(byte | 0x80);
        }
    }

    fn int(&mut self, v: i64) {
        let z = if v < 0 { ((-v) << 1) - 1 } else { v << 1 };
        self.uint(u32::try_from(z).expect("zigzag fits u32"));
    }

    fn len(&mut self, n: usize) {
        self.uint(u32::try_from(n).expect("length fits u32"));
    }

    fn text(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    /// A set as `count, (gap, length - 1)*`, gaps measured from the end of the previous run.
    fn ranges(&mut self, set: &[u32]) {
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for &cp in set {
            match runs.last_mut() {
                Some((_, end)) if *end + 1 == cp => *end = cp,
                _ => runs.push((cp, cp)),
            }
        }
        self.len(runs.len());
        let mut next = 0;
        for (start, end) in runs {
            self.uint(start - next);
            self.uint(end - start);
            next = end + 1;
        }
    }

    /// A map `cp -> [cp]` sorted by key: key deltas, and each value as a delta from the
    /// same position of the previous entry (the first value keeping its offset from the key),
    /// so runs like `A..Z -> a..z` or `À Á Â -> A + 300, 301, 302` become runs of zeros.
    fn mapping(&mut self, map: &BTreeMap<u32, Vec<u32>>) {
        self.len(map.len());
        let mut prev: Option<(u32, &Vec<u32>)> = None;
        for (&cp, out) in map {
            self.uint(cp - prev.map_or(0, |(p, _)| p));
            self.len(out.len());
            for (j, &o) in out.iter().enumerate() {
                let reference = match (j, prev) {
                    (0, Some((p, po))) => i64::from(po[0]) - i64::from(p) + i64::from(cp),
                    (0, None) => i64::from(cp),
                    (_, Some((_, po))) if j < po.len() => i64::from(po[j]),
                    _ => i64::from(out[j - 1]),
                };
                self.int(i64::from(o) - reference);
            }
            prev = Some((cp, out));
        }
    }
}

/// A JSON list of code points as a sorted set. (Sorted vectors, not `BTreeSet`: build
/// scripts run unoptimized, and the groups hold over 100,000 code points.)
fn set_of(v: &Value) -> Vec<u32> {
    let mut set = cps(v);
    set.sort_unstable();
    set.dedup();
    set
}

struct Group {
    name: String,
    restricted: bool,
    check_nsm: bool,
    primary: Vec<u32>,
    secondary: Vec<u32>,
}

impl Group {
    fn has(&self, cp: u32) -> bool {
        self.primary.binary_search(&cp).is_ok() || self.secondary.binary_search(&cp).is_ok()
    }
}

/// Full canonical decomposition (order does not matter to the callers: they build sets).
fn decompose_into(cp: u32, decomp: &BTreeMap<u32, Vec<u32>>, out: &mut Vec<u32>) {
    const S0: u32 = 0xAC00;
    const S_COUNT: u32 = 19 * 21 * 28;
    if (S0..S0 + S_COUNT).contains(&cp) {
        let s = cp - S0;
        out.push(0x1100 + s / (21 * 28));
        out.push(0x1161 + (s % (21 * 28)) / 28);
        if !s.is_multiple_of(28) {
            out.push(0x11A7 + s % 28);
        }
    } else if let Some(parts) = decomp.get(&cp) {
        for &p in parts {
            decompose_into(p, decomp, out);
        }
    } else {
        out.push(cp);
    }
}

fn encode(spec: &Value, nf: &Value) -> Vec<u8> {
    let mut w = Writer(Vec::new());

    // Unicode normalization data first: the spec sections need decompositions.
    let mut decomp = BTreeMap::new();
    for entry in field(nf, "decomp").as_array().expect("decomp") {
        let cp = u32::try_from(entry[0].as_u64().expect("cp")).expect("cp");
        decomp.insert(cp, cps(&entry[1]));
    }

    let groups: Vec<Group> = field(spec, "groups")
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| Group {
            name: field(g, "name").as_str().expect("name").to_owned(),
            restricted: g
                .get("restricted")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            // Groups with a (whitelisted) `cm` list skip the non-spacing mark checks.
            check_nsm: g.get("cm").is_none(),
            primary: set_of(field(g, "primary")),
            secondary: set_of(field(g, "secondary")),
        })
        .collect();
    w.len(groups.len());
    for g in &groups {
        w.text(&g.name);
        w.uint(u32::from(g.restricted) | u32::from(g.check_nsm) << 1);
        w.ranges(&g.primary);
        w.ranges(&g.secondary);
    }

    // Valid: in some group, closed under NFD. Unique: in exactly one group and not confusable.
    let mut group_count = vec![0u8; 0x11_0000];
    for g in &groups {
        for &cp in g.primary.iter().chain(&g.secondary) {
            let n = &mut group_count[cp as usize];
            *n = n.saturating_add(1);
        }
    }

    // Whole-script confusables: each confusable code point maps to the groups (in the
    // reference's order) that hold a look-alike of it but none of its own extent.
    let mut complements: Vec<Vec<usize>> = Vec::new();
    let mut confused: BTreeMap<u32, usize> = BTreeMap::new();
    for whole in field(spec, "wholes").as_array().expect("wholes") {
        let confused_cps = set_of(field(whole, "confused"));
        if confused_cps.is_empty() {
            continue;
        }
        let mut members = set_of(field(whole, "valid"));
        members.extend(&confused_cps);
        members.sort_unstable();
        members.dedup();
        // (groups in insertion order, members)
        let mut recs: Vec<(Vec<usize>, Vec<u32>)> = Vec::new();
        for &cp in &members {
            let gs: Vec<usize> = (0..groups.len()).filter(|&i| groups[i].has(cp)).collect();
            let found = recs
                .iter()
                .position(|(rg, _)| gs.iter().any(|g| rg.contains(g)));
            let rec = match found {
                Some(i) => &mut recs[i],
                None => {
                    recs.push((Vec::new(), Vec::new()));
                    recs.last_mut().expect("just pushed")
                }
            };
            rec.1.push(cp);
            for g in gs {
                if !rec.0.contains(&g) {
                    rec.0.push(g);
                }
            }
        }
        let union: Vec<usize> = recs.iter().flat_map(|(g, _)| g.iter().copied()).collect();
        for (rg, rv) in &recs {
            let mut complement: Vec<usize> = Vec::new();
            for &g in &union {
                if !rg.contains(&g) && !complement.contains(&g) {
                    complement.push(g);
                }
            }
            let index = match complements.iter().position(|c| *c == complement) {
                Some(i) => i,
                None => {
                    complements.push(complement);
                    complements.len() - 1
                }
            };
            for cp in rv {
                if confused_cps.binary_search(cp).is_ok() {
                    let previous = confused.insert(*cp, index);
                    assert!(previous.is_none(), "code point {cp:X} confusable twice");
                }
            }
        }
    }

    let mut valid = vec![false; group_count.len()];
    let mut unique = Vec::new();
    let mut parts = Vec::new();
    for (cp, &n) in (0u32..).zip(&group_count) {
        if n == 0 {
            continue;
        }
        valid[cp as usize] = true;
        if n == 1 && !confused.contains_key(&cp) {
            unique.push(cp);
        }
        if cp >= 0x80 {
            decompose_into(cp, &decomp, &mut parts);
        }
    }
    for cp in parts {
        valid[cp as usize] = true;
    }
    let valid: Vec<u32> = (0u32..)
        .zip(&valid)
        .filter(|(_, &v)| v)
        .map(|(cp, _)| cp)
        .collect();
    w.ranges(&valid);
    w.ranges(&unique);

    w.ranges(&set_of(field(spec, "ignored")));
    w.ranges(&set_of(field(spec, "cm")));
    w.ranges(&set_of(field(spec, "nsm")));
    w.ranges(&set_of(field(spec, "escape")));
    w.len(usize::try_from(field(spec, "nsm_max").as_u64().expect("nsm_max")).expect("nsm_max"));

    let fenced = field(spec, "fenced").as_array().expect("fenced");
    w.len(fenced.len());
    for f in fenced {
        w.uint(u32::try_from(f[0].as_u64().expect("cp")).expect("cp"));
        w.text(f[1].as_str().expect("fenced name"));
    }

    let mut mapped = BTreeMap::new();
    for entry in field(spec, "mapped").as_array().expect("mapped") {
        let cp = u32::try_from(entry[0].as_u64().expect("cp")).expect("cp");
        mapped.insert(cp, cps(&entry[1]));
    }
    w.mapping(&mapped);

    w.len(complements.len());
    for c in &complements {
        w.len(c.len());
        for &g in c {
            w.len(g);
        }
    }
    w.len(confused.len());
    let mut prev = 0;
    for (&cp, &index) in &confused {
        w.uint(cp - prev);
        prev = cp;
        w.len(index);
    }

    // Emoji sorted by code points, each written as the length of the prefix it shares with
    // the previous one and the rest as deltas (FE0F, frequent and far from its neighbours,
    // as 0). The decoder restores the reference's order.
    let mut emoji: Vec<Vec<u32>> = field(spec, "emoji")
        .as_array()
        .expect("emoji")
        .iter()
        .map(cps)
        .collect();
    emoji.sort();
    w.len(emoji.len());
    let mut prev: &[u32] = &[];
    for e in &emoji {
        let shared = prev.iter().zip(e).take_while(|(a, b)| a == b).count();
        w.len(shared);
        w.len(e.len() - shared);
        let mut base = match prev.get(shared) {
            Some(&cp) => cp,
            None => shared.checked_sub(1).map_or(0, |i| e[i]),
        };
        for &cp in &e[shared..] {
            if cp == FE0F {
                w.uint(0);
            } else {
                let d = i64::from(cp) - i64::from(base);
                w.int(if d >= 0 { d + 1 } else { d });
            }
            base = cp;
        }
        prev = e;
    }

    // Ranks (combining classes in order, 1-based) as one sorted list of runs:
    // `count, (gap, length - 1, rank)*`.
    let mut rank_of = BTreeMap::new();
    for (i, r) in field(nf, "ranks")
        .as_array()
        .expect("ranks")
        .iter()
        .enumerate()
    {
        for cp in cps(r) {
            rank_of.insert(cp, u32::try_from(i + 1).expect("rank"));
        }
    }
    let mut runs: Vec<(u32, u32, u32)> = Vec::new();
    for (&cp, &rank) in &rank_of {
        match runs.last_mut() {
            Some((_, end, r)) if *end + 1 == cp && *r == rank => *end = cp,
            _ => runs.push((cp, cp, rank)),
        }
    }
    w.len(runs.len());
    let mut next = 0;
    for (start, end, rank) in runs {
        w.uint(start - next);
        w.uint(end - start);
        w.uint(rank);
        next = end + 1;
    }
    w.ranges(&set_of(field(nf, "exclusions")));
    w.mapping(&decomp);

    w.0
}
