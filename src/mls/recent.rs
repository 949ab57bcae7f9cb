//! A few recently seen items, the oldest replaced first: the Ed25519 keys kept decompressed,
//! a group's recent senders and its own recent commits. Searched linearly (tens of items).

/// At most `N` items; when full, a new one replaces the oldest.
#[derive(Debug)]
pub(crate) struct Recent<T, const N: usize> {
    items: Vec<T>,
    /// The oldest item once `items` is full.
    next: usize,
}

impl<T, const N: usize> Default for Recent<T, N> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            next: 0,
        }
    }
}

impl<T, const N: usize> Recent<T, N> {
    /// The first item that `matches`.
    pub(crate) fn find(&self, matches: impl Fn(&T) -> bool) -> Option<&T> {
        self.items.iter().find(|item| matches(item))
    }

    /// Keeps `item`, dropping the oldest when `N` are kept.
    pub(crate) fn push(&mut self, item: T) {
        if self.items.len() < N {
            self.items.push(item);
        } else if let Some(slot) = self.items.get_mut(self.next) {
            *slot = item;
            self.next = (self.next + 1) % N;
        }
    }

    /// How many items are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is kept.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::Recent;

    #[test]
    fn keeps_the_newest_n_and_replaces_the_oldest_first() {
        let mut recent = Recent::<u32, 3>::default();
        for i in 0..3 {
            recent.push(i);
        }
        assert_eq!(recent.len(), 3);
        recent.push(3); // replaces 0
        recent.push(4); // replaces 1
        for (i, kept) in [(0, false), (1, false), (2, true), (3, true), (4, true)] {
            assert_eq!(recent.find(|&x| x == i).is_some(), kept, "{i}");
        }
        assert_eq!(recent.len(), 3);
        for i in 5..11 {
            recent.push(i);
        }
        let kept: Vec<u32> = (0..11)
            .filter(|&i| recent.find(|&x| x == i).is_some())
            .collect();
        assert_eq!(kept, [8, 9, 10]);
    }

    #[test]
    fn a_capacity_of_zero_keeps_nothing() {
        let mut recent = Recent::<u32, 0>::default();
        recent.push(1);
        assert_eq!(recent.len(), 0);
        assert!(recent.find(|_| true).is_none());
    }
}
