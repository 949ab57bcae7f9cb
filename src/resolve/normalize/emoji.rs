//! Longest-match emoji recognition over the spec's fully-qualified emoji sequences.
//!
//! As in the reference, an FE0F inside a sequence is optional in the input, but an FE0F
//! where the sequence has none (or a doubled one) is not accepted.

use super::FE0F;

/// Code point sequences in one pool (one allocation, not one per emoji).
#[derive(Debug, Default)]
pub(crate) struct Sequences {
    pool: Vec<u32>,
    /// `(start, len)` in `pool`.
    spans: Vec<(u32, u32)>,
}

impl Sequences {
    pub(crate) fn with_capacity(count: usize) -> Self {
        Sequences {
            pool: Vec::with_capacity(count * 4),
            spans: Vec::with_capacity(count),
        }
    }

    pub(crate) fn push(&mut self, seq: &[u32]) {
        self.spans.push((self.pool.len() as u32, seq.len() as u32));
        self.pool.extend_from_slice(seq);
    }

    fn get(&self, i: usize) -> Option<&[u32]> {
        let &(start, len) = self.spans.get(i)?;
        self.pool.get(start as usize..start as usize + len as usize)
    }

    fn len(&self) -> usize {
        self.spans.len()
    }
}

#[derive(Debug, Default)]
struct Node {
    /// Sorted by code point; leaves (most nodes) allocate nothing.
    children: Vec<(u32, u32)>,
    /// Index into `EmojiTrie::sequences` when a sequence ends here.
    value: Option<u32>,
}

/// A trie of the emoji sequences, FE0F made optional.
#[derive(Debug, Default)]
pub(crate) struct EmojiTrie {
    nodes: Vec<Node>,
    sequences: Sequences,
}

impl EmojiTrie {
    /// Builds the trie. Where two sequences differ only by optional FE0F, the one the
    /// reference adds last wins: the longer, then the greater.
    pub(crate) fn new(sequences: Sequences) -> Self {
        let mut trie = EmojiTrie {
            nodes: Vec::with_capacity(sequences.len() * 3),
            sequences: Sequences::default(),
        };
        trie.nodes.push(Node::default());
        // Reused across sequences: the nodes reached so far (more than one after an FE0F).
        let (mut ends, mut next) = (Vec::new(), Vec::new());
        for index in 0..sequences.len() {
            let seq = sequences.get(index).unwrap_or_default();
            ends.clear();
            ends.push(0usize);
            for &cp in seq {
                next.clear();
                for &n in &ends {
                    next.push(trie.child_or_insert(n, cp));
                }
                if cp == FE0F {
                    ends.extend_from_slice(&next);
                } else {
                    std::mem::swap(&mut ends, &mut next);
                }
            }
            for &n in &ends {
                let current = trie.nodes.get(n).and_then(|node| node.value);
                let current = current.and_then(|v| sequences.get(v as usize));
                if current.is_none_or(|cur| (cur.len(), cur) < (seq.len(), seq)) {
                    if let Some(node) = trie.nodes.get_mut(n) {
                        node.value = u32::try_from(index).ok();
                    }
                }
            }
        }
        trie.sequences = sequences;
        trie
    }

    fn child(&self, node: usize, cp: u32) -> Option<usize> {
        let children = &self.nodes.get(node)?.children;
        let i = children.binary_search_by_key(&cp, |&(c, _)| c).ok()?;
        children.get(i).map(|&(_, n)| n as usize)
    }

    fn child_or_insert(&mut self, node: usize, cp: u32) -> usize {
        if let Some(n) = self.child(node, cp) {
            return n;
        }
        let n = self.nodes.len();
        self.nodes.push(Node::default());
        if let Some(parent) = self.nodes.get_mut(node) {
            let at = parent.children.partition_point(|&(c, _)| c < cp);
            parent.children.insert(at, (cp, n as u32));
        }
        n
    }

    /// The longest emoji at the start of `input`: its fully-qualified sequence and how many
    /// input code points it covers.
    pub(crate) fn longest_prefix(&self, input: &[u32]) -> Option<(&[u32], usize)> {
        let mut node = 0;
        let mut found = None;
        for (i, &cp) in input.iter().enumerate() {
            let Some(next) = self.child(node, cp) else {
                break;
            };
            node = next;
            if let Some(index) = self.nodes.get(node).and_then(|n| n.value) {
                found = Some((index, i + 1));
            }
        }
        let (index, len) = found?;
        Some((self.sequences.get(index as usize)?, len))
    }

    /// How many sequences the spec lists.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.sequences.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trie(list: &[&[u32]]) -> EmojiTrie {
        let mut seqs = Sequences::default();
        for seq in list {
            seqs.push(seq);
        }
        EmojiTrie::new(seqs)
    }

    #[test]
    fn optional_fe0f_and_longest_match() {
        let trie = trie(&[&[0x2764, FE0F], &[0x2764, FE0F, 0x200D, 0x1F525]]);
        assert_eq!(
            trie.longest_prefix(&[0x2764, 0x61]),
            Some((&[0x2764, FE0F][..], 1))
        );
        assert_eq!(
            trie.longest_prefix(&[0x2764, FE0F]),
            Some((&[0x2764, FE0F][..], 2))
        );
        let fire = [0x2764, 0x200D, 0x1F525];
        assert_eq!(
            trie.longest_prefix(&fire),
            Some((&[0x2764, FE0F, 0x200D, 0x1F525][..], 3))
        );
        assert_eq!(
            trie.longest_prefix(&[0x2764, FE0F, FE0F]).map(|e| e.1),
            Some(2)
        );
        assert_eq!(trie.longest_prefix(&[0x61]), None);
    }

    #[test]
    fn the_longer_sequence_wins_whatever_the_order() {
        let (short, long): (&[u32], &[u32]) = (&[0x23], &[0x23, FE0F]);
        for list in [[short, long], [long, short]] {
            let trie = trie(&list);
            assert_eq!(trie.longest_prefix(&[0x23]), Some((&[0x23, FE0F][..], 1)));
        }
    }
}
