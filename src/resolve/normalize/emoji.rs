//! Longest-match emoji recognition over the spec's fully-qualified emoji sequences.
//!
//! As in the reference, an FE0F inside a sequence is optional in the input, but an FE0F
//! where the sequence has none (or a doubled one) is not accepted.

use super::FE0F;

#[derive(Debug, Default)]
struct Node {
    /// Sorted by code point.
    children: Vec<(u32, u32)>,
    /// Index into `EmojiTrie::sequences` when a sequence ends here.
    value: Option<u32>,
}

/// A trie of the emoji sequences, FE0F made optional.
#[derive(Debug, Default)]
pub(crate) struct EmojiTrie {
    nodes: Vec<Node>,
    sequences: Vec<Vec<u32>>,
}

impl EmojiTrie {
    /// Builds the trie. Where two sequences differ only by optional FE0F, the one the
    /// reference adds last wins: the longer, then the greater.
    pub(crate) fn new(sequences: Vec<Vec<u32>>) -> Self {
        let mut trie = EmojiTrie {
            nodes: vec![Node::default()],
            sequences: Vec::new(),
        };
        for (index, seq) in sequences.iter().enumerate() {
            let mut ends = vec![0usize];
            for &cp in seq {
                let next: Vec<usize> = ends.iter().map(|&n| trie.child_or_insert(n, cp)).collect();
                if cp == FE0F {
                    ends.extend(next);
                } else {
                    ends = next;
                }
            }
            for n in ends {
                let Some(node) = trie.nodes.get_mut(n) else {
                    continue;
                };
                let current = node.value.and_then(|v| sequences.get(v as usize));
                if current.is_none_or(|cur| (cur.len(), cur) < (seq.len(), seq)) {
                    node.value = u32::try_from(index).ok();
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

    #[test]
    fn optional_fe0f_and_longest_match() {
        let trie = EmojiTrie::new(vec![
            vec![0x2764, FE0F],
            vec![0x2764, FE0F, 0x200D, 0x1F525],
        ]);
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
        for list in [
            vec![vec![0x23], vec![0x23, FE0F]],
            vec![vec![0x23, FE0F], vec![0x23]],
        ] {
            let trie = EmojiTrie::new(list);
            assert_eq!(trie.longest_prefix(&[0x23]), Some((&[0x23, FE0F][..], 1)));
        }
    }
}
