//! The resolver's TTL cache: LRU-bounded, negative entries, stale-while-revalidate,
//! coalescing of identical in-flight lookups, and a serializable snapshot for persistent
//! backends (IndexedDB, Workers KV).
//!
//! Time is a parameter: every method that depends on it takes `now_ms`, milliseconds on
//! any clock that survives a reload (the Unix epoch in practice, so snapshots stay valid).
//! Errors are never cached: [`Cache::insert`] takes `Option<V>` (`None` = "not found"), and
//! a failed lookup ends with [`Cache::abandon`].

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

/// What a cache entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CacheKey {
    /// A forward lookup: (normalized name, coin type).
    Forward {
        /// The normalized name.
        name: String,
        /// ENSIP-9 coin type.
        coin_type: u64,
    },
    /// A reverse lookup: (address, coin type).
    Reverse {
        /// The address.
        #[serde(with = "address_bytes")]
        address: Address,
        /// ENSIP-19 coin type.
        coin_type: u64,
    },
    /// An ENSIP-12 avatar of a normalized name.
    Avatar {
        /// The normalized name.
        name: String,
    },
    /// An ENSIP-5 text record of a normalized name.
    Text {
        /// The normalized name.
        name: String,
        /// The record key.
        key: String,
    },
}

/// `Address` as its 20 bytes in snapshots (alloy-primitives is built without serde).
mod address_bytes {
    use alloy_primitives::Address;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(address: &Address, s: S) -> Result<S::Ok, S::Error> {
        address.0 .0.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
        <[u8; 20]>::deserialize(d).map(Address::new)
    }
}

/// Cache settings. Durations in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheConfig {
    /// Lifetime of a forward answer (default 1 h).
    pub forward_ttl_ms: u64,
    /// Lifetime of a reverse answer (default 1 h).
    pub reverse_ttl_ms: u64,
    /// Lifetime of an avatar (default 1 h).
    pub avatar_ttl_ms: u64,
    /// Lifetime of a "not found" answer (default 60 s).
    pub negative_ttl_ms: u64,
    /// How long after expiry an entry may still be served while it is refreshed
    /// (default 1 h; 0 disables stale-while-revalidate).
    pub stale_ms: u64,
    /// The most entries kept; the least recently used go first (default 10,000).
    pub max_entries: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        const HOUR: u64 = 60 * 60 * 1000;
        Self {
            forward_ttl_ms: HOUR,
            reverse_ttl_ms: HOUR,
            avatar_ttl_ms: HOUR,
            negative_ttl_ms: 60 * 1000,
            stale_ms: HOUR,
            max_entries: 10_000,
        }
    }
}

/// Counters, as `getCacheStats()` returns them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheStats {
    /// Entries held.
    pub size: usize,
    /// Lookups answered fresh from the cache.
    pub hits: u64,
    /// Lookups not in the cache (or past their stale window).
    pub misses: u64,
    /// Lookups answered with an expired entry while it is refreshed.
    pub stale_served: u64,
    /// Lookups that joined an identical one already in flight.
    pub inflight_joined: u64,
}

/// The answer of [`Cache::get`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cached<V> {
    /// A live entry (`None`: cached "not found").
    Fresh(Option<V>),
    /// An expired entry inside the stale window: serve it, and refresh it.
    Stale(Option<V>),
    /// Nothing usable.
    Miss,
}

/// The answer of [`Cache::begin`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InFlight {
    /// No identical lookup is running: perform it, then [`Cache::insert`] or
    /// [`Cache::abandon`].
    Lead,
    /// An identical lookup is running: wait for its result.
    Joined,
}

/// One entry of a [`Snapshot`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotEntry<V> {
    /// The key.
    pub key: CacheKey,
    /// The answer (`None`: not found).
    pub value: Option<V>,
    /// When it expires.
    pub expires_ms: u64,
}

/// The serializable content of a cache, least recently used first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot<V> {
    /// The entries.
    pub entries: Vec<SnapshotEntry<V>>,
}

#[derive(Debug, Clone)]
struct Entry<V> {
    value: Option<V>,
    expires_ms: u64,
    tick: u64,
}

/// The TTL + LRU cache. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Cache<V> {
    config: CacheConfig,
    entries: HashMap<CacheKey, Entry<V>>,
    lru: BTreeMap<u64, CacheKey>,
    inflight: HashMap<CacheKey, u32>,
    tick: u64,
    stats: CacheStats,
}

impl<V: Clone> Cache<V> {
    /// An empty cache.
    pub fn new(config: CacheConfig) -> Self {
        Self {
            config,
            entries: HashMap::new(),
            lru: BTreeMap::new(),
            inflight: HashMap::new(),
            tick: 0,
            stats: CacheStats::default(),
        }
    }

    /// Looks a key up at `now_ms`, counting a hit, a stale serve or a miss. An entry past
    /// its stale window is dropped.
    pub fn get(&mut self, key: &CacheKey, now_ms: u64) -> Cached<V> {
        let stale_ms = self.config.stale_ms;
        let Some(entry) = self.entries.get(key) else {
            self.stats.misses += 1;
            return Cached::Miss;
        };
        let (expires, old_tick, value) = (entry.expires_ms, entry.tick, entry.value.clone());
        if now_ms < expires {
            self.stats.hits += 1;
            self.touch(key, old_tick);
            Cached::Fresh(value)
        } else if now_ms < expires.saturating_add(stale_ms) {
            self.stats.stale_served += 1;
            self.touch(key, old_tick);
            Cached::Stale(value)
        } else {
            self.remove(key);
            self.stats.misses += 1;
            Cached::Miss
        }
    }

    /// Like [`get`](Self::get) for a fresh entry (counted as a hit); anything else returns
    /// [`Cached::Miss`] without counting, for the caller to take the full path.
    pub fn peek_fresh(&mut self, key: &CacheKey, now_ms: u64) -> Cached<V> {
        match self.entries.get(key) {
            Some(entry) if now_ms < entry.expires_ms => {
                let (tick, value) = (entry.tick, entry.value.clone());
                self.stats.hits += 1;
                self.touch(key, tick);
                Cached::Fresh(value)
            }
            _ => Cached::Miss,
        }
    }

    /// Stores an answer (`None`: not found, kept for the negative TTL) and ends the
    /// in-flight lookup of this key. Evicts the least recently used entries past the bound.
    pub fn insert(&mut self, key: CacheKey, value: Option<V>, now_ms: u64) {
        let ttl = match (&value, &key) {
            (None, _) => self.config.negative_ttl_ms,
            (Some(_), CacheKey::Forward { .. }) => self.config.forward_ttl_ms,
            (Some(_), CacheKey::Reverse { .. }) => self.config.reverse_ttl_ms,
            (Some(_), CacheKey::Avatar { .. }) => self.config.avatar_ttl_ms,
            (Some(_), CacheKey::Text { .. }) => self.config.forward_ttl_ms,
        };
        self.inflight.remove(&key);
        self.put(key, value, now_ms.saturating_add(ttl));
    }

    /// Starts a lookup of `key`, or joins the identical one in flight.
    pub fn begin(&mut self, key: &CacheKey) -> InFlight {
        if let Some(waiters) = self.inflight.get_mut(key) {
            *waiters = waiters.saturating_add(1);
            self.stats.inflight_joined += 1;
            InFlight::Joined
        } else {
            self.inflight.insert(key.clone(), 0);
            InFlight::Lead
        }
    }

    /// Ends a lookup that failed: nothing is cached (an error is not "not found"); returns
    /// how many lookups had joined it.
    pub fn abandon(&mut self, key: &CacheKey) -> u32 {
        self.inflight.remove(key).unwrap_or(0)
    }

    /// Drops every entry (in-flight lookups and counters stay).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.lru.clear();
        self.stats.size = 0;
    }

    /// The counters.
    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// The entries still usable at `now_ms` (fresh or stale), least recently used first.
    pub fn snapshot(&self, now_ms: u64) -> Snapshot<V> {
        let entries = self
            .lru
            .values()
            .filter_map(|key| {
                let entry = self.entries.get(key)?;
                (now_ms < entry.expires_ms.saturating_add(self.config.stale_ms)).then(|| {
                    SnapshotEntry {
                        key: key.clone(),
                        value: entry.value.clone(),
                        expires_ms: entry.expires_ms,
                    }
                })
            })
            .collect();
        Snapshot { entries }
    }

    /// Adds the usable entries of a snapshot (a later reload, or another tab's copy before
    /// writing ours back), keeping their expiry and order; an entry held already wins when
    /// it expires no earlier (so merging never puts back older answers). The LRU bound
    /// applies.
    pub fn restore(&mut self, snapshot: Snapshot<V>, now_ms: u64) {
        for entry in snapshot.entries {
            let newer_held = self
                .entries
                .get(&entry.key)
                .is_some_and(|held| held.expires_ms >= entry.expires_ms);
            if !newer_held && now_ms < entry.expires_ms.saturating_add(self.config.stale_ms) {
                self.put(entry.key, entry.value, entry.expires_ms);
            }
        }
    }

    fn put(&mut self, key: CacheKey, value: Option<V>, expires_ms: u64) {
        self.remove(&key);
        self.tick += 1;
        self.lru.insert(self.tick, key.clone());
        self.entries.insert(
            key,
            Entry {
                value,
                expires_ms,
                tick: self.tick,
            },
        );
        while self.entries.len() > self.config.max_entries {
            let Some((_, oldest)) = self.lru.pop_first() else {
                break;
            };
            self.entries.remove(&oldest);
        }
        self.stats.size = self.entries.len();
    }

    fn touch(&mut self, key: &CacheKey, old_tick: u64) {
        self.lru.remove(&old_tick);
        self.tick += 1;
        self.lru.insert(self.tick, key.clone());
        if let Some(entry) = self.entries.get_mut(key) {
            entry.tick = self.tick;
        }
    }

    fn remove(&mut self, key: &CacheKey) {
        if let Some(entry) = self.entries.remove(key) {
            self.lru.remove(&entry.tick);
        }
        self.stats.size = self.entries.len();
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::address;

    use super::*;

    fn name(n: &str) -> CacheKey {
        CacheKey::Forward {
            name: n.into(),
            coin_type: 60,
        }
    }

    const MIN: u64 = 60_000;
    const HOUR: u64 = 60 * MIN;

    #[test]
    fn merging_a_snapshot_keeps_the_newer_answers() {
        let mut ours = Cache::new(CacheConfig::default());
        let mut theirs = Cache::new(CacheConfig::default());
        ours.insert(name("a.eth"), Some(2u8), 10 * MIN);
        theirs.insert(name("a.eth"), Some(1u8), 0);
        theirs.insert(name("b.eth"), Some(3u8), 0);
        ours.restore(theirs.snapshot(10 * MIN), 10 * MIN);
        assert_eq!(ours.get(&name("a.eth"), 10 * MIN), Cached::Fresh(Some(2)));
        assert_eq!(ours.get(&name("b.eth"), 10 * MIN), Cached::Fresh(Some(3)));
    }

    #[test]
    fn ttls_negative_entries_and_stale_while_revalidate() {
        let mut cache = Cache::new(CacheConfig::default());
        assert_eq!(cache.get(&name("a.eth"), 0), Cached::Miss);
        cache.insert(name("a.eth"), Some(1u8), 0);
        cache.insert(name("none.eth"), None, 0);
        assert_eq!(cache.get(&name("a.eth"), HOUR - 1), Cached::Fresh(Some(1)));
        assert_eq!(cache.get(&name("none.eth"), MIN - 1), Cached::Fresh(None));
        assert_eq!(cache.get(&name("none.eth"), MIN), Cached::Stale(None));
        assert_eq!(cache.get(&name("a.eth"), HOUR), Cached::Stale(Some(1)));
        assert_eq!(cache.get(&name("a.eth"), 2 * HOUR), Cached::Miss);
        assert_eq!(
            cache.stats(),
            CacheStats {
                size: 1,
                hits: 2,
                misses: 2,
                stale_served: 2,
                inflight_joined: 0
            }
        );
        let reverse = CacheKey::Reverse {
            address: address!("d8dA6BF26964aF9D7eEd9e03E53415D37aA96045"),
            coin_type: 60,
        };
        cache.insert(reverse.clone(), Some(2), 0);
        assert_eq!(cache.get(&reverse, HOUR - 1), Cached::Fresh(Some(2)));
        cache.clear();
        assert_eq!(cache.stats().size, 0);
    }

    #[test]
    fn lru_bound_evicts_least_recently_used() {
        let mut cache = Cache::new(CacheConfig {
            max_entries: 2,
            ..CacheConfig::default()
        });
        cache.insert(name("a.eth"), Some(1u8), 0);
        cache.insert(name("b.eth"), Some(2), 0);
        assert_eq!(cache.get(&name("a.eth"), 1), Cached::Fresh(Some(1)));
        cache.insert(name("c.eth"), Some(3), 2);
        assert_eq!(cache.get(&name("b.eth"), 3), Cached::Miss);
        assert_eq!(cache.get(&name("a.eth"), 3), Cached::Fresh(Some(1)));
        assert_eq!(cache.get(&name("c.eth"), 3), Cached::Fresh(Some(3)));
        assert_eq!(cache.stats().size, 2);
    }

    #[test]
    fn identical_lookups_coalesce_and_errors_are_not_cached() {
        let mut cache: Cache<u8> = Cache::new(CacheConfig::default());
        assert_eq!(cache.begin(&name("a.eth")), InFlight::Lead);
        assert_eq!(cache.begin(&name("a.eth")), InFlight::Joined);
        assert_eq!(cache.begin(&name("a.eth")), InFlight::Joined);
        assert_eq!(cache.begin(&name("b.eth")), InFlight::Lead);
        assert_eq!(cache.abandon(&name("a.eth")), 2);
        assert_eq!(cache.get(&name("a.eth"), 0), Cached::Miss);
        assert_eq!(cache.begin(&name("a.eth")), InFlight::Lead);
        cache.insert(name("b.eth"), None, 0);
        assert_eq!(cache.begin(&name("b.eth")), InFlight::Lead);
        assert_eq!(cache.stats().inflight_joined, 2);
    }

    #[test]
    fn snapshot_round_trips_through_json() {
        let mut cache = Cache::new(CacheConfig::default());
        cache.insert(name("a.eth"), Some("0xabc".to_string()), 0);
        cache.insert(name("gone.eth"), None, 0);
        cache.insert(
            CacheKey::Avatar {
                name: "a.eth".into(),
            },
            Some("https://x".into()),
            0,
        );
        // 30 min later the negative entry has expired but is inside its stale window, so it
        // is kept; 3 h later nothing is usable.
        let json = serde_json::to_string(&cache.snapshot(30 * MIN)).unwrap();
        let snapshot: Snapshot<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(snapshot.entries.len(), 3);
        let mut reloaded = Cache::new(CacheConfig::default());
        reloaded.restore(snapshot, 30 * MIN);
        assert_eq!(
            reloaded.get(&name("a.eth"), 30 * MIN),
            Cached::Fresh(Some("0xabc".into()))
        );
        assert_eq!(
            reloaded.get(&name("gone.eth"), 30 * MIN),
            Cached::Stale(None)
        );
        assert!(cache.snapshot(3 * HOUR).entries.is_empty());
        let mut late = Cache::<String>::new(CacheConfig::default());
        late.restore(cache.snapshot(0), 3 * HOUR);
        assert_eq!(late.stats().size, 0);
    }
}
