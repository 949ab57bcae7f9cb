//! The ENSIP-15 tables, decoded once from the blob that `build/ensip15.rs` writes.
//!
//! The blob is generated at build time from the published spec, so it is trusted; the reader
//! still never panics (a short read yields zeros), because nothing in this crate may.

use std::sync::OnceLock;

use super::emoji::{EmojiTrie, Sequences};
use super::nf::Nf;

static BLOB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/ensip15.bin"));

static TABLES: OnceLock<Tables> = OnceLock::new();

/// The decoded tables; the first call decodes them (about a millisecond).
pub(crate) fn tables() -> &'static Tables {
    TABLES.get_or_init(|| Tables::decode(BLOB))
}

/// A set of code points as sorted, disjoint inclusive ranges.
#[derive(Debug, Default)]
pub(crate) struct RangeSet(Vec<(u32, u32)>);

impl RangeSet {
    /// The smallest and largest members, if any.
    fn bounds(&self) -> Option<(u32, u32)> {
        Some((self.0.first()?.0, self.0.last()?.1))
    }

    pub(crate) fn contains(&self, cp: u32) -> bool {
        let i = self.0.partition_point(|&(start, _)| start <= cp);
        i > 0 && self.0.get(i - 1).is_some_and(|&(_, end)| cp <= end)
    }
}

/// `cp -> [cp]` with the values in one pool.
#[derive(Debug, Default)]
pub(crate) struct CpMap {
    keys: Vec<u32>,
    spans: Vec<(u32, u32)>,
    pool: Vec<u32>,
}

impl CpMap {
    pub(crate) fn get(&self, cp: u32) -> Option<&[u32]> {
        let i = self.keys.binary_search(&cp).ok()?;
        let &(start, len) = self.spans.get(i)?;
        self.pool.get(start as usize..start as usize + len as usize)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &[u32])> + '_ {
        self.keys
            .iter()
            .zip(&self.spans)
            .map(|(&cp, &(start, len))| {
                let values = self
                    .pool
                    .get(start as usize..start as usize + len as usize)
                    .unwrap_or_default();
                (cp, values)
            })
    }
}

/// A script group of the spec: the characters a label of that script may use.
#[derive(Debug)]
pub(crate) struct Group {
    /// As the reference names it, `Restricted[…]` for restricted scripts.
    pub(crate) name: String,
    pub(crate) primary: RangeSet,
    pub(crate) secondary: RangeSet,
    /// False for the groups whose combining marks are whitelisted.
    pub(crate) check_nsm: bool,
    /// Smallest and largest member: most groups are one script's blocks, so this rejects
    /// most of them without a search.
    bounds: (u32, u32),
}

impl Group {
    fn new(name: String, check_nsm: bool, primary: RangeSet, secondary: RangeSet) -> Self {
        let bounds = match (primary.bounds(), secondary.bounds()) {
            (Some(p), Some(s)) => (p.0.min(s.0), p.1.max(s.1)),
            (Some(b), None) | (None, Some(b)) => b,
            (None, None) => (1, 0),
        };
        Group {
            name,
            primary,
            secondary,
            check_nsm,
            bounds,
        }
    }

    pub(crate) fn has(&self, cp: u32) -> bool {
        (self.bounds.0..=self.bounds.1).contains(&cp)
            && (self.primary.contains(cp) || self.secondary.contains(cp))
    }
}

/// Everything normalization needs, as the spec defines it.
#[derive(Debug)]
pub(crate) struct Tables {
    pub(crate) groups: Vec<Group>,
    /// Characters of some group, and their NFD parts.
    pub(crate) valid: RangeSet,
    /// Characters of exactly one group that have no whole-script look-alike.
    pub(crate) unique: RangeSet,
    pub(crate) ignored: RangeSet,
    pub(crate) cm: RangeSet,
    pub(crate) nsm: RangeSet,
    /// Characters printed as `{HEX}` in messages.
    pub(crate) escape: RangeSet,
    pub(crate) nsm_max: usize,
    pub(crate) fenced: Vec<(u32, String)>,
    pub(crate) mapped: CpMap,
    /// Lists of group indices; `confused` points into it.
    pub(crate) complements: Vec<Vec<u16>>,
    /// Sorted `(code point, complement index)` of whole-script confusable characters.
    pub(crate) confused: Vec<(u32, u16)>,
    pub(crate) emoji: EmojiTrie,
    pub(crate) nf: Nf,
}

impl Tables {
    fn decode(blob: &[u8]) -> Self {
        let mut r = Reader { blob, pos: 0 };
        let groups = r.list(|r| {
            let name = r.text();
            let flags = r.uint();
            let name = if flags & 1 != 0 {
                format!("Restricted[{name}]")
            } else {
                name
            };
            let primary = r.ranges();
            Group::new(name, flags & 2 != 0, primary, r.ranges())
        });
        let valid = r.ranges();
        let unique = r.ranges();
        let ignored = r.ranges();
        let cm = r.ranges();
        let nsm = r.ranges();
        let escape = r.ranges();
        let nsm_max = r.uint() as usize;
        let fenced = r.list(|r| (r.uint(), r.text()));
        let mapped = r.mapping();
        let complements = r.list(|r| r.list(|r| r.uint() as u16));
        let mut cp = 0u32;
        let confused = r.list(|r| {
            cp = cp.wrapping_add(r.uint());
            (cp, r.uint() as u16)
        });
        let emoji = EmojiTrie::new(r.emoji());
        let mut next = 0u32;
        let ranks = r.list(|r| {
            let start = next.wrapping_add(r.uint());
            let end = start.wrapping_add(r.uint());
            next = end.wrapping_add(1);
            (start, end, r.uint() as u8)
        });
        let exclusions = r.ranges();
        let decomp = r.mapping();
        Tables {
            groups,
            valid,
            unique,
            ignored,
            cm,
            nsm,
            escape,
            nsm_max,
            fenced,
            mapped,
            complements,
            confused,
            emoji,
            nf: Nf::new(ranks, &exclusions, decomp),
        }
    }

    /// The groups (indices) that have a look-alike of the confusable `cp` but none of the
    /// characters it is confused with; `None` if `cp` is not confusable.
    pub(crate) fn confusable_complement(&self, cp: u32) -> Option<&[u16]> {
        let i = self.confused.binary_search_by_key(&cp, |&(c, _)| c).ok()?;
        let &(_, index) = self.confused.get(i)?;
        self.complements.get(usize::from(index)).map(Vec::as_slice)
    }

    pub(crate) fn fenced_name(&self, cp: u32) -> Option<&str> {
        self.fenced
            .iter()
            .find(|(c, _)| *c == cp)
            .map(|(_, name)| name.as_str())
    }
}

/// LEB128 varints, as written by `build/ensip15.rs`.
struct Reader<'a> {
    blob: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn uint(&mut self) -> u32 {
        let mut value = 0u32;
        let mut shift = 0;
        while let Some(&byte) = self.blob.get(self.pos) {
            self.pos += 1;
            if shift < 32 {
                value |= u32::from(byte & 0x7F) << shift;
            }
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        value
    }

    fn int(&mut self) -> i64 {
        let z = i64::from(self.uint());
        if z & 1 == 0 {
            z >> 1
        } else {
            -((z + 1) >> 1)
        }
    }

    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> T) -> Vec<T> {
        let n = self.uint() as usize;
        // The count is trusted, but a bad blob must not allocate wildly.
        let mut out = Vec::with_capacity(n.min(self.blob.len()));
        for _ in 0..n {
            out.push(item(self));
        }
        out
    }

    fn text(&mut self) -> String {
        let n = self.uint() as usize;
        let end = self.pos.saturating_add(n).min(self.blob.len());
        let bytes = self.blob.get(self.pos..end).unwrap_or_default();
        self.pos = end;
        String::from_utf8(bytes.to_vec()).unwrap_or_default()
    }

    fn ranges(&mut self) -> RangeSet {
        let mut next = 0u32;
        RangeSet(self.list(|r| {
            let start = next.wrapping_add(r.uint());
            let end = start.wrapping_add(r.uint());
            next = end.wrapping_add(1);
            (start, end)
        }))
    }

    fn mapping(&mut self) -> CpMap {
        let n = self.uint() as usize;
        let capacity = n.min(self.blob.len());
        let mut map = CpMap {
            keys: Vec::with_capacity(capacity),
            spans: Vec::with_capacity(capacity),
            pool: Vec::with_capacity(capacity * 2),
        };
        let mut cp = 0u32;
        let mut prev: Option<(u32, usize, usize)> = None; // (key, start, len) in the pool
        for _ in 0..n {
            cp = cp.wrapping_add(self.uint());
            let len = self.uint() as usize;
            let start = map.pool.len();
            for j in 0..len {
                let reference = match (j, prev) {
                    (0, Some((p, ps, _))) => pool_at(&map.pool, ps) - i64::from(p) + i64::from(cp),
                    (0, None) => i64::from(cp),
                    (_, Some((_, ps, pl))) if j < pl => pool_at(&map.pool, ps + j),
                    _ => pool_at(&map.pool, start + j - 1),
                };
                map.pool.push((reference + self.int()) as u32);
            }
            map.keys.push(cp);
            map.spans.push((start as u32, len as u32));
            prev = Some((cp, start, len));
        }
        map
    }

    /// Emoji sequences, sorted by code points: each shares a prefix with the one before.
    fn emoji(&mut self) -> Sequences {
        let count = self.uint() as usize;
        let mut list = Sequences::with_capacity(count.min(self.blob.len()));
        let mut seq: Vec<u32> = Vec::new();
        for _ in 0..count {
            let shared = self.uint() as usize;
            let rest = self.uint() as usize;
            // `seq` still holds the previous sequence: the first new code point is coded
            // relative to the one it replaces (or to the last shared one).
            let shared = shared.min(seq.len());
            let mut base = match seq.get(shared) {
                Some(&cp) => cp,
                None => shared
                    .checked_sub(1)
                    .and_then(|i| seq.get(i))
                    .copied()
                    .unwrap_or(0),
            };
            seq.truncate(shared);
            for _ in 0..rest.min(64) {
                let code = self.uint();
                base = if code == 0 {
                    super::FE0F
                } else {
                    let v = unzigzag(code);
                    (i64::from(base) + if v > 0 { v - 1 } else { v }) as u32
                };
                seq.push(base);
            }
            list.push(&seq);
        }
        list
    }
}

fn pool_at(pool: &[u32], i: usize) -> i64 {
    pool.get(i).copied().map_or(0, i64::from)
}

fn unzigzag(z: u32) -> i64 {
    let z = i64::from(z);
    if z & 1 == 0 {
        z >> 1
    } else {
        -((z + 1) >> 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_spec() {
        let t = tables();
        assert_eq!(t.groups.len(), 167);
        assert_eq!(t.groups.first().map(|g| g.name.as_str()), Some("Latin"));
        assert_eq!(t.nsm_max, 4);
        assert_eq!(t.mapped.get(u32::from('A')), Some(&[u32::from('a')][..]));
        assert_eq!(t.mapped.iter().count(), 5067);
        assert!(t.ignored.contains(0xFE0F));
        assert!(t.valid.contains(u32::from('a')) && !t.valid.contains(u32::from('A')));
        assert_eq!(t.fenced_name(0x2019), Some("apostrophe"));
        assert_eq!(t.emoji.len(), 3926);
        assert!(t.confusable_complement(u32::from('o')).is_none());
    }

    #[test]
    fn range_set_bounds() {
        let set = RangeSet(vec![(2, 4), (10, 10)]);
        let members: Vec<u32> = (0..12).filter(|&cp| set.contains(cp)).collect();
        assert_eq!(members, [2, 3, 4, 10]);
    }
}
