//! Scores the sanitizer on the labelled dev corpus (`../shared/corpus/sanitizer-dev.jsonl`,
//! beside the crate) with the scoring rule of issue 3: a predicted span matches a gold span
//! of the same kind when it overlaps at least half of the gold span's length, one-to-one.
//! Offsets in the corpus are UTF-16 code units, as in JS.

use std::collections::BTreeMap;
use std::path::PathBuf;

use hybrid_edge::sanitize::{scan, utf16_ranges, ScanOptions};

struct Gold {
    kind: String,
    start: usize,
    end: usize,
}

struct Example {
    id: String,
    text: String,
    gold: Vec<Gold>,
}

fn corpus_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/sanitizer-dev.jsonl")
}

/// A minimal reader for the corpus lines: `{"id", "text", "spans": [{"kind","start","end",…}]}`.
/// (serde_json is not worth a dependency for one test file.)
mod json {
    pub enum Value {
        Null,
        Bool,
        Num(f64),
        Str(String),
        Arr(Vec<Value>),
        Obj(Vec<(String, Value)>),
    }

    impl Value {
        pub fn get(&self, key: &str) -> Option<&Value> {
            match self {
                Value::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
                _ => None,
            }
        }
        pub fn str(&self) -> Option<&str> {
            match self {
                Value::Str(s) => Some(s),
                _ => None,
            }
        }
        pub fn num(&self) -> Option<f64> {
            match self {
                Value::Num(n) => Some(*n),
                _ => None,
            }
        }
        pub fn arr(&self) -> Option<&[Value]> {
            match self {
                Value::Arr(a) => Some(a),
                _ => None,
            }
        }
    }

    pub fn parse(s: &str) -> Option<Value> {
        let mut p = Parser {
            chars: s.chars().collect(),
            i: 0,
        };
        p.value()
    }

    struct Parser {
        chars: Vec<char>,
        i: usize,
    }

    impl Parser {
        fn ws(&mut self) {
            while self.chars.get(self.i).is_some_and(|c| c.is_whitespace()) {
                self.i += 1;
            }
        }
        fn eat(&mut self, c: char) -> Option<()> {
            self.ws();
            (self.chars.get(self.i) == Some(&c)).then(|| self.i += 1)
        }
        fn value(&mut self) -> Option<Value> {
            self.ws();
            match *self.chars.get(self.i)? {
                '{' => {
                    self.i += 1;
                    let mut fields = Vec::new();
                    if self.eat('}').is_some() {
                        return Some(Value::Obj(fields));
                    }
                    loop {
                        self.ws();
                        let Value::Str(k) = self.string()? else {
                            return None;
                        };
                        self.eat(':')?;
                        fields.push((k, self.value()?));
                        if self.eat(',').is_none() {
                            self.eat('}')?;
                            return Some(Value::Obj(fields));
                        }
                    }
                }
                '[' => {
                    self.i += 1;
                    let mut items = Vec::new();
                    if self.eat(']').is_some() {
                        return Some(Value::Arr(items));
                    }
                    loop {
                        items.push(self.value()?);
                        if self.eat(',').is_none() {
                            self.eat(']')?;
                            return Some(Value::Arr(items));
                        }
                    }
                }
                '"' => self.string(),
                't' | 'f' => {
                    while self.chars.get(self.i).is_some_and(|c| c.is_alphabetic()) {
                        self.i += 1;
                    }
                    Some(Value::Bool)
                }
                'n' => {
                    self.i += 4;
                    Some(Value::Null)
                }
                _ => {
                    let start = self.i;
                    while self
                        .chars
                        .get(self.i)
                        .is_some_and(|c| c.is_ascii_digit() || "-+.eE".contains(*c))
                    {
                        self.i += 1;
                    }
                    let s: String = self.chars[start..self.i].iter().collect();
                    s.parse().ok().map(Value::Num)
                }
            }
        }
        fn hex4(&mut self) -> Option<u32> {
            let s: String = self.chars.get(self.i..self.i + 4)?.iter().collect();
            self.i += 4;
            u32::from_str_radix(&s, 16).ok()
        }
        fn string(&mut self) -> Option<Value> {
            if self.chars.get(self.i) != Some(&'"') {
                return None;
            }
            self.i += 1;
            let mut out = String::new();
            loop {
                let c = *self.chars.get(self.i)?;
                self.i += 1;
                match c {
                    '"' => return Some(Value::Str(out)),
                    '\\' => {
                        let e = *self.chars.get(self.i)?;
                        self.i += 1;
                        match e {
                            'n' => out.push('\n'),
                            't' => out.push('\t'),
                            'r' => out.push('\r'),
                            'b' => out.push('\u{8}'),
                            'f' => out.push('\u{c}'),
                            'u' => {
                                let hi = self.hex4()?;
                                let code = if (0xD800..0xDC00).contains(&hi) {
                                    self.i += 2; // \u
                                    let lo = self.hex4()?;
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    hi
                                };
                                out.push(char::from_u32(code)?);
                            }
                            other => out.push(other),
                        }
                    }
                    c => out.push(c),
                }
            }
        }
    }
}

fn load() -> Vec<Example> {
    let path = corpus_path();
    let data = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    data.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v = json::parse(line).expect("corpus line is JSON");
            let gold = v
                .get("spans")
                .and_then(json::Value::arr)
                .unwrap_or(&[])
                .iter()
                .map(|s| Gold {
                    kind: s.get("kind").and_then(json::Value::str).unwrap().to_owned(),
                    start: s.get("start").and_then(json::Value::num).unwrap() as usize,
                    end: s.get("end").and_then(json::Value::num).unwrap() as usize,
                })
                .collect();
            Example {
                id: v
                    .get("id")
                    .and_then(json::Value::str)
                    .unwrap_or("")
                    .to_owned(),
                text: v.get("text").and_then(json::Value::str).unwrap().to_owned(),
                gold,
            }
        })
        .collect()
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn f1(&self) -> f64 {
        let p = self.tp as f64 / (self.tp + self.fp).max(1) as f64;
        let r = self.tp as f64 / (self.tp + self.fn_).max(1) as f64;
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

#[test]
fn dev_corpus_scores() {
    let examples = load();
    assert!(
        examples.len() >= 1000,
        "corpus too small: {}",
        examples.len()
    );
    let mut per_kind: BTreeMap<String, Counts> = BTreeMap::new();
    let (mut with_gold, mut recalled) = (0, 0);
    let mut errors = Vec::new();
    for ex in &examples {
        let found = scan(&ex.text, &ScanOptions::default());
        let ranges = utf16_ranges(&ex.text, &found);
        let predicted: Vec<(String, usize, usize)> = found
            .iter()
            .zip(&ranges)
            .map(|(f, &(s, e))| (f.kind.as_str().to_owned(), s, e))
            .collect();
        let mut used = vec![false; predicted.len()];
        for g in &ex.gold {
            let need = (g.end - g.start) as f64 * 0.5;
            let hit = predicted.iter().enumerate().position(|(i, (k, s, e))| {
                !used[i]
                    && *k == g.kind
                    && ((*e).min(g.end).saturating_sub((*s).max(g.start))) as f64 >= need
            });
            let c = per_kind.entry(g.kind.clone()).or_default();
            match hit {
                Some(i) => {
                    used[i] = true;
                    c.tp += 1;
                }
                None => {
                    c.fn_ += 1;
                    errors.push(format!(
                        "FN {} {} {:?}",
                        ex.id,
                        g.kind,
                        slice16(&ex.text, g.start, g.end)
                    ));
                }
            }
        }
        for (i, (k, s, e)) in predicted.iter().enumerate() {
            if !used[i] {
                per_kind.entry(k.clone()).or_default().fp += 1;
                errors.push(format!(
                    "FP {} {} {:?}",
                    ex.id,
                    k,
                    slice16(&ex.text, *s, *e)
                ));
            }
        }
        if !ex.gold.is_empty() {
            with_gold += 1;
            if !predicted.is_empty() {
                recalled += 1;
            }
        }
    }
    let total = per_kind.values().fold(Counts::default(), |a, c| Counts {
        tp: a.tp + c.tp,
        fp: a.fp + c.fp,
        fn_: a.fn_ + c.fn_,
    });
    let micro = total.f1();
    let recall = recalled as f64 / with_gold.max(1) as f64;
    for (k, c) in &per_kind {
        eprintln!(
            "{k:12} tp {:4} fp {:3} fn {:3} F1 {:.4}",
            c.tp,
            c.fp,
            c.fn_,
            c.f1()
        );
    }
    eprintln!("micro F1 {micro:.4}, message recall {recall:.4}");
    if std::env::var_os("SANITIZER_ERRORS").is_some() {
        for e in &errors {
            eprintln!("{e}");
        }
    }
    assert!(micro >= 0.97, "micro F1 {micro:.4} < 0.97");
    for (k, c) in &per_kind {
        assert!(c.f1() >= 0.93, "{k} F1 {:.4} < 0.93", c.f1());
    }
    assert!(recall >= 0.99, "message recall {recall:.4} < 0.99");
}

fn slice16(text: &str, start: usize, end: usize) -> String {
    let units: Vec<u16> = text.encode_utf16().collect();
    String::from_utf16_lossy(units.get(start..end.min(units.len())).unwrap_or(&[]))
}
