//! Unicode NFC / NFD at the Unicode version of the ENSIP-15 spec (from its `nf.json`), so
//! that normalization does not drift with the `unicode-normalization` crate's version.
//!
//! Decomposition and canonical ordering follow UAX #15; composition follows the reference
//! implementation (`ens-normalize.js`, `nf.js`) step by step.

use super::tables::{CpMap, RangeSet};

const S0: u32 = 0xAC00;
const L0: u32 = 0x1100;
const V0: u32 = 0x1161;
const T0: u32 = 0x11A7;
const L_COUNT: u32 = 19;
const V_COUNT: u32 = 21;
const T_COUNT: u32 = 28;
const N_COUNT: u32 = V_COUNT * T_COUNT;
const S_COUNT: u32 = L_COUNT * N_COUNT;

/// Decomposition, composition and combining-class rank tables.
#[derive(Debug, Default)]
pub(crate) struct Nf {
    /// Sorted `(start, end, rank)`: the rank orders combining classes (0 = starter).
    ranks: Vec<(u32, u32, u8)>,
    /// One level of canonical decomposition per code point.
    decomp: CpMap,
    /// Primary composites, sorted, each packed as `first << 42 | second << 21 | composite`
    /// (one `u64` sort is all the sorting code this module needs).
    recomp: Vec<u64>,
}

const CP_BITS: u32 = 21;
const CP_MASK: u64 = (1 << CP_BITS) - 1;

fn pair_key(a: u32, b: u32) -> u64 {
    (u64::from(a) & CP_MASK) << (2 * CP_BITS) | (u64::from(b) & CP_MASK) << CP_BITS
}

/// Stable sort by rank: keys `rank << 56 | position << 21 | cp` make a plain sort stable.
fn sort_by_rank(run: &mut [Packed]) {
    let mut keys: Vec<u64> = run
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            u64::from(rank_of(p)) << 56 | (i as u64) << CP_BITS | u64::from(cp_of(p)) & CP_MASK
        })
        .collect();
    keys.sort_unstable();
    for (slot, key) in run.iter_mut().zip(keys) {
        *slot = ((key >> 56) as u32) << 24 | (key & CP_MASK) as u32;
    }
}

/// A code point with its rank in the top byte, as the reference packs them.
type Packed = u32;

fn rank_of(packed: Packed) -> u8 {
    (packed >> 24) as u8
}

fn cp_of(packed: Packed) -> u32 {
    packed & 0x00FF_FFFF
}

impl Nf {
    /// `ranks`: sorted `(start, end, rank)` runs; `decomp`: one level of decomposition.
    pub(crate) fn new(ranks: Vec<(u32, u32, u8)>, exclusions: &RangeSet, decomp: CpMap) -> Self {
        let mut recomp: Vec<u64> = decomp
            .iter()
            .filter(|(cp, _)| !exclusions.contains(*cp))
            .filter_map(|(cp, parts)| match parts {
                [a, b] => Some(pair_key(*a, *b) | u64::from(cp)),
                _ => None,
            })
            .collect();
        recomp.sort_unstable();
        Nf {
            ranks,
            decomp,
            recomp,
        }
    }

    fn rank(&self, cp: u32) -> u8 {
        let i = self.ranks.partition_point(|&(start, _, _)| start <= cp);
        match i.checked_sub(1).and_then(|i| self.ranks.get(i)) {
            Some(&(_, end, rank)) if cp <= end => rank,
            _ => 0,
        }
    }

    /// NFD of `cps`.
    pub(crate) fn nfd(&self, cps: &[u32]) -> Vec<u32> {
        self.decomposed(cps).into_iter().map(cp_of).collect()
    }

    /// NFC of `cps`.
    pub(crate) fn nfc(&self, cps: &[u32]) -> Vec<u32> {
        self.composed(&self.decomposed(cps))
    }

    /// Full decomposition in canonical order, packed with ranks.
    fn decomposed(&self, cps: &[u32]) -> Vec<Packed> {
        let mut out = Vec::with_capacity(cps.len());
        let mut reorder = false;
        let mut add = |cp: u32, out: &mut Vec<Packed>| {
            let rank = self.rank(cp);
            reorder |= rank != 0;
            out.push(cp | u32::from(rank) << 24);
        };
        let mut stack = Vec::new();
        for &first in cps {
            let mut cp = first;
            loop {
                if cp < 0x80 {
                    out.push(cp);
                } else if (S0..S0 + S_COUNT).contains(&cp) {
                    let s = cp - S0;
                    add(L0 + s / N_COUNT, &mut out);
                    add(V0 + (s % N_COUNT) / T_COUNT, &mut out);
                    if !s.is_multiple_of(T_COUNT) {
                        add(T0 + s % T_COUNT, &mut out);
                    }
                } else if let Some(parts) = self.decomp.get(cp) {
                    stack.extend(parts.iter().rev());
                } else {
                    add(cp, &mut out);
                }
                match stack.pop() {
                    Some(next) => cp = next,
                    None => break,
                }
            }
        }
        if reorder {
            // Canonical ordering: a stable sort of each run of non-starters by rank
            // (n log n, where the reference's insertion sort is quadratic on long runs).
            for run in out.split_mut(|&p| rank_of(p) == 0) {
                if !run.is_sorted_by_key(|&p| rank_of(p)) {
                    sort_by_rank(run);
                }
            }
        }
        out
    }

    fn compose_pair(&self, a: u32, b: u32) -> Option<u32> {
        if (L0..L0 + L_COUNT).contains(&a) && (V0..V0 + V_COUNT).contains(&b) {
            Some(S0 + (a - L0) * N_COUNT + (b - V0) * T_COUNT)
        } else if (S0..S0 + S_COUNT).contains(&a)
            && b > T0
            && b < T0 + T_COUNT
            && (a - S0).is_multiple_of(T_COUNT)
        {
            Some(a + (b - T0))
        } else {
            let key = pair_key(a, b);
            let i = self.recomp.partition_point(|&packed| packed < key);
            let packed = *self.recomp.get(i)?;
            (packed & !CP_MASK == key).then_some((packed & CP_MASK) as u32)
        }
    }

    /// Canonical composition of a decomposed, ordered sequence.
    fn composed(&self, packed: &[Packed]) -> Vec<u32> {
        let mut out = Vec::with_capacity(packed.len());
        let mut blocked: Vec<u32> = Vec::new();
        let mut starter: Option<u32> = None;
        let mut prev_rank = 0u8;
        for &p in packed {
            let (rank, cp) = (rank_of(p), cp_of(p));
            let Some(current) = starter else {
                if rank == 0 {
                    starter = Some(cp);
                } else {
                    out.push(cp);
                }
                continue;
            };
            if prev_rank > 0 && prev_rank >= rank {
                if rank == 0 {
                    out.push(current);
                    out.append(&mut blocked);
                    starter = Some(cp);
                } else {
                    blocked.push(cp);
                }
                prev_rank = rank;
            } else if let Some(composite) = self.compose_pair(current, cp) {
                starter = Some(composite);
            } else if prev_rank == 0 && rank == 0 {
                out.push(current);
                starter = Some(cp);
            } else {
                blocked.push(cp);
                prev_rank = rank;
            }
        }
        if let Some(current) = starter {
            out.push(current);
            out.append(&mut blocked);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::tables::tables;

    /// The spec's own NF vectors (Unicode 17.0.0 `NormalizationTest.txt` and extra cases):
    /// `[input, NFD, NFC]` per section.
    #[test]
    fn spec_nf_vectors_pass() {
        let json = include_str!("../../../tests/fixtures/ensip15-nf-tests.json");
        let sections: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(json).expect("nf tests parse");
        let nf = &tables().nf;
        let cps = |v: &serde_json::Value| -> Vec<u32> {
            v.as_str().expect("string").chars().map(u32::from).collect()
        };
        let mut count = 0;
        for (section, cases) in &sections {
            for (i, case) in cases.as_array().expect("cases").iter().enumerate() {
                let input = cps(&case[0]);
                assert_eq!(nf.nfd(&input), cps(&case[1]), "{section} #{i} NFD");
                assert_eq!(nf.nfc(&input), cps(&case[2]), "{section} #{i} NFC");
                count += 1;
            }
        }
        assert_eq!(count, 20_034);
    }

    #[test]
    fn hangul_composes_algorithmically() {
        let nf = &tables().nf;
        // 한 = ᄒ ᅡ ᆫ
        assert_eq!(nf.nfd(&[0xD55C]), [0x1112, 0x1161, 0x11AB]);
        assert_eq!(nf.nfc(&[0x1112, 0x1161, 0x11AB]), [0xD55C]);
    }
}
