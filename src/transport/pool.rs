//! A sans-IO pool of connections, one per relay shard in use, at most `maxConnections`,
//! each closed after `idleTimeout` without use. Generic over the connection type so that it
//! holds [`Client`](super::Client)s in production and plain values in tests.

use std::collections::BTreeMap;

use super::config::PoolConfig;
use super::error::TransportError;

#[derive(Debug)]
struct Slot<T> {
    conn: T,
    last_used: u64,
}

/// Connections keyed by relay shard (for example the Durable Object URL of a topic).
#[derive(Debug)]
pub struct Pool<T> {
    config: PoolConfig,
    slots: BTreeMap<String, Slot<T>>,
}

impl<T> Pool<T> {
    /// An empty pool.
    pub fn new(config: PoolConfig) -> Self {
        Self {
            config,
            slots: BTreeMap::new(),
        }
    }

    /// The connection to `shard`, opened with `open` if there is none; marks it used.
    ///
    /// Returns [`TransportError::PoolFull`] when `maxConnections` are open (none is closed
    /// behind the caller's back: idle ones go at their timeout), or `open`'s error.
    pub fn get_or_open(
        &mut self,
        shard: &str,
        now: u64,
        open: impl FnOnce() -> Result<T, TransportError>,
    ) -> Result<&mut T, TransportError> {
        if !self.slots.contains_key(shard) {
            if self.slots.len() >= self.config.max_connections {
                return Err(TransportError::PoolFull {
                    max: self.config.max_connections,
                });
            }
            let conn = open()?;
            self.slots.insert(
                shard.to_owned(),
                Slot {
                    conn,
                    last_used: now,
                },
            );
        }
        let slot = self.slots.get_mut(shard).ok_or(TransportError::PoolFull {
            max: self.config.max_connections,
        })?;
        slot.last_used = now;
        Ok(&mut slot.conn)
    }

    /// The connection to `shard`, if open, without marking it used.
    pub fn get_mut(&mut self, shard: &str) -> Option<&mut T> {
        self.slots.get_mut(shard).map(|s| &mut s.conn)
    }

    /// Marks the connection to `shard` used (traffic in either direction counts).
    pub fn touch(&mut self, shard: &str, now: u64) {
        if let Some(slot) = self.slots.get_mut(shard) {
            slot.last_used = slot.last_used.max(now);
        }
    }

    /// When the next connection becomes idle.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.slots
            .values()
            .map(|s| s.last_used.saturating_add(self.config.idle_timeout))
            .min()
    }

    /// Removes and returns the connections idle since `idleTimeout`; the caller closes them.
    pub fn handle_timeout(&mut self, now: u64) -> Vec<(String, T)> {
        let idle = self.config.idle_timeout;
        let expired: Vec<String> = self
            .slots
            .iter()
            .filter(|(_, s)| now.saturating_sub(s.last_used) >= idle)
            .map(|(shard, _)| shard.clone())
            .collect();
        expired
            .into_iter()
            .filter_map(|shard| self.slots.remove(&shard).map(|s| (shard, s.conn)))
            .collect()
    }

    /// Open connections.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no connection is open.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Every open connection, by shard.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut T)> {
        self.slots
            .iter_mut()
            .map(|(k, s)| (k.as_str(), &mut s.conn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(max: usize) -> Pool<u32> {
        Pool::new(PoolConfig {
            max_connections: max,
            idle_timeout: 100,
        })
    }

    #[test]
    fn one_connection_per_shard() {
        let mut p = pool(2);
        let mut opened = 0;
        *p.get_or_open("a", 0, || {
            opened += 1;
            Ok(7)
        })
        .unwrap() += 1;
        assert_eq!(*p.get_or_open("a", 1, || Ok(99)).unwrap(), 8);
        assert_eq!(opened, 1);
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn refuses_past_max_connections() {
        let mut p = pool(2);
        p.get_or_open("a", 0, || Ok(1)).unwrap();
        p.get_or_open("b", 0, || Ok(2)).unwrap();
        assert_eq!(
            p.get_or_open("c", 0, || Ok(3)),
            Err(TransportError::PoolFull { max: 2 })
        );
        // Existing shards are still served.
        assert!(p.get_or_open("a", 0, || Ok(9)).is_ok());
    }

    #[test]
    fn open_errors_leave_no_slot() {
        let mut p = pool(2);
        assert!(p
            .get_or_open("a", 0, || Err(TransportError::NotConnected))
            .is_err());
        assert!(p.is_empty());
    }

    #[test]
    fn idle_connections_close_after_the_timeout() {
        let mut p = pool(3);
        p.get_or_open("a", 0, || Ok(1)).unwrap();
        p.get_or_open("b", 50, || Ok(2)).unwrap();
        assert_eq!(p.poll_timeout(), Some(100));
        p.touch("a", 60);
        p.touch("a", 10); // time never goes back
        assert_eq!(p.poll_timeout(), Some(150));
        assert!(p.handle_timeout(149).is_empty());
        assert_eq!(p.handle_timeout(150), vec![("b".to_owned(), 2)]);
        assert_eq!(p.handle_timeout(160), vec![("a".to_owned(), 1)]);
        assert_eq!(p.poll_timeout(), None);
        p.get_or_open("c", 200, || Ok(3)).unwrap();
        assert_eq!(p.get_mut("c"), Some(&mut 3));
        assert_eq!(p.iter_mut().count(), 1);
    }
}

#[cfg(test)]
mod client_pool_tests {
    use super::*;
    use crate::transport::{Client, ClientConfig, ConnectionState, MemoryOutbox, Transmit};

    #[test]
    fn a_pool_of_clients_connects_per_shard_and_closes_idle_ones() {
        let config = ClientConfig::default();
        let mut pool: Pool<Client> = Pool::new(config.pool.clone());
        let open = || {
            Client::new(
                ClientConfig::default(),
                vec![1],
                Box::new(MemoryOutbox::new()),
            )
        };
        pool.get_or_open("wss://relay/a", 0, open)
            .unwrap()
            .connect(0);
        pool.get_or_open("wss://relay/b", 1000, open)
            .unwrap()
            .connect(1000);
        assert_eq!(pool.len(), 2);
        assert_eq!(pool.poll_timeout(), Some(300_000));
        for (_, mut client) in pool.handle_timeout(300_000) {
            client.close(300_000);
            assert_eq!(client.state(), ConnectionState::Idle);
            assert!(std::iter::from_fn(|| client.poll_transmit())
                .any(|t| matches!(t, Transmit::Close { .. })));
        }
        assert_eq!(pool.len(), 1);
    }
}
