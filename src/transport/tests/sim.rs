//! A deterministic simulated network between clients and the relay core, with a fake clock
//! (quinn's `tests/util.rs` style): timestamped packet queues with random latency (which
//! reorders), duplicated frames, connections dropped at random points (also mid-batch: the
//! frame in transit is lost), refused connects and relay restarts that keep the store.
//!
//! Every run prints its seed; `TRANSPORT_SIM_SEED=<n>` replays one.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use crate::transport::frame::{decode, DEFAULT_MAX_FRAME_SIZE};
use crate::transport::relay::tests::{sign, TestHooks};
use crate::transport::relay::{MemoryStore, Relay, RelayConfig, RelayOutput, RelayStore};
use crate::transport::*;

/// Fault rates, per packet unless said otherwise.
#[derive(Clone)]
pub(super) struct Faults {
    /// Probability that a packet kills its connection (and is lost).
    pub drop: f64,
    /// Probability that a data frame arrives twice.
    pub duplicate: f64,
    /// Probability that a connect is refused.
    pub refuse: f64,
    /// Latency range in ms (random per packet, so frames reorder).
    pub latency: (u64, u64),
    /// Relay restarts at these times, each down for `downtime` ms.
    pub restarts: Vec<u64>,
    pub downtime: u64,
}

#[derive(Debug)]
enum Packet {
    Opened(usize, ConnId),
    Refused(usize, ConnId),
    ToRelay(usize, ConnId, Vec<u8>),
    ToClient(usize, ConnId, Vec<u8>),
}

struct Socket {
    relay_conn: ConnId,
    alive: bool,
}

/// What one client received, per topic: (seq, payload) in delivery order.
type Received = BTreeMap<Topic, Vec<(u64, Vec<u8>)>>;

pub(super) struct Sim {
    pub now: u64,
    rng: SplitMix64,
    faults: Faults,
    pub relay: Relay<MemoryStore>,
    relay_config: RelayConfig,
    down_until: u64,
    pub clients: Vec<Client>,
    pub received: Vec<Received>,
    queue: BinaryHeap<Reverse<(u64, u64, usize)>>,
    packets: HashMap<usize, Packet>,
    next_packet: usize,
    sockets: HashMap<(usize, ConnId), Socket>,
    by_relay_conn: HashMap<ConnId, (usize, ConnId)>,
    next_relay_conn: u64,
    /// (time, client, payload) still to send, soonest last.
    pending_sends: Vec<(u64, usize, Topic, Vec<u8>)>,
    // Counters.
    pub drops: u64,
    pub duplicates: u64,
    pub refused: u64,
    pub restarts_done: u64,
    pub rate_limited: u64,
    pub failed_events: u64,
    /// Times of every connect attempt, per client.
    pub connects: Vec<Vec<u64>>,
}

impl Sim {
    pub(super) fn new(
        seed: u64,
        faults: Faults,
        relay_config: RelayConfig,
        clients: usize,
        client_config: impl Fn(usize) -> ClientConfig,
    ) -> Self {
        let clients: Vec<Client> = (0..clients)
            .map(|i| {
                let mut config = client_config(i);
                config.seed = seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9);
                Client::new(config, vec![i as u8; 4], Box::new(MemoryOutbox::new())).unwrap()
            })
            .collect();
        Self {
            now: 0,
            rng: SplitMix64::new(seed),
            faults,
            relay: Relay::new(relay_config.clone(), MemoryStore::new()),
            relay_config,
            down_until: 0,
            received: vec![Received::new(); clients.len()],
            connects: vec![Vec::new(); clients.len()],
            clients,
            queue: BinaryHeap::new(),
            packets: HashMap::new(),
            next_packet: 0,
            sockets: HashMap::new(),
            by_relay_conn: HashMap::new(),
            next_relay_conn: 0,
            pending_sends: Vec::new(),
            drops: 0,
            duplicates: 0,
            refused: 0,
            restarts_done: 0,
            rate_limited: 0,
            failed_events: 0,
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.rng.next_u64() as f64 / u64::MAX as f64) < p
    }

    fn latency(&mut self) -> u64 {
        let (lo, hi) = self.faults.latency;
        lo + self.rng.up_to(hi - lo)
    }

    fn schedule(&mut self, at: u64, packet: Packet) {
        let id = self.next_packet;
        self.next_packet += 1;
        self.packets.insert(id, packet);
        self.queue.push(Reverse((at, id as u64, id)));
    }

    /// Queues `payload` for `client` to send at `at`.
    pub(super) fn send_at(&mut self, at: u64, client: usize, topic: Topic, payload: Vec<u8>) {
        self.pending_sends.push((at, client, topic, payload));
    }

    fn sort_sends(&mut self) {
        self.pending_sends.sort_by_key(|(at, ..)| Reverse(*at));
    }

    /// Kills a socket from the network's side: the relay forgets it, the client hears of it.
    fn kill(&mut self, key: (usize, ConnId)) {
        let Some(socket) = self.sockets.get_mut(&key) else {
            return;
        };
        if !socket.alive {
            return;
        }
        socket.alive = false;
        let relay_conn = socket.relay_conn;
        self.relay.close(relay_conn);
        self.drops += 1;
        let at = self.now + self.latency();
        self.schedule(at, Packet::Refused(key.0, key.1));
    }

    fn is_data(bytes: &[u8]) -> bool {
        matches!(
            decode(bytes, DEFAULT_MAX_FRAME_SIZE),
            Ok(Frame::Publish(_)
                | Frame::PublishBatch(_)
                | Frame::Deliver { .. }
                | Frame::Ack { .. })
        )
    }

    /// Puts a frame on the wire, where it may kill the connection or be duplicated.
    fn transmit(&mut self, key: (usize, ConnId), bytes: Vec<u8>, to_relay: bool) {
        if !self.sockets.get(&key).is_some_and(|s| s.alive) {
            return;
        }
        if self.chance(self.faults.drop) {
            return self.kill(key);
        }
        let copies = if Self::is_data(&bytes) && self.chance(self.faults.duplicate) {
            self.duplicates += 1;
            2
        } else {
            1
        };
        for _ in 0..copies {
            let at = self.now + self.latency();
            let packet = if to_relay {
                Packet::ToRelay(key.0, key.1, bytes.clone())
            } else {
                Packet::ToClient(key.0, key.1, bytes.clone())
            };
            self.schedule(at, packet);
        }
    }

    /// Drains every client's outputs until nothing is left.
    fn drain(&mut self) {
        loop {
            let mut progressed = false;
            for i in 0..self.clients.len() {
                while let Some(t) = self.clients[i].poll_transmit() {
                    progressed = true;
                    self.on_transmit(i, t);
                }
                while let Some(e) = self.clients[i].poll_event() {
                    progressed = true;
                    self.on_event(i, e);
                }
            }
            if !progressed {
                return;
            }
        }
    }

    fn on_transmit(&mut self, i: usize, t: Transmit) {
        match t {
            Transmit::Connect { conn } => {
                self.connects[i].push(self.now);
                let at = self.now + self.latency();
                if self.now < self.down_until || self.chance(self.faults.refuse) {
                    self.refused += 1;
                    return self.schedule(at, Packet::Refused(i, conn));
                }
                let relay_conn = ConnId(self.next_relay_conn);
                self.next_relay_conn += 1;
                let mut nonce = [0; 32];
                nonce[..8].copy_from_slice(&self.rng.next_u64().to_le_bytes());
                self.relay.open(relay_conn, nonce, self.now);
                self.sockets.insert(
                    (i, conn),
                    Socket {
                        relay_conn,
                        alive: true,
                    },
                );
                self.by_relay_conn.insert(relay_conn, (i, conn));
                self.schedule(at, Packet::Opened(i, conn));
            }
            Transmit::Send { conn, bytes } => self.transmit((i, conn), bytes, true),
            Transmit::Close { conn } => {
                if let Some(s) = self.sockets.get_mut(&(i, conn)) {
                    if s.alive {
                        s.alive = false;
                        let rc = s.relay_conn;
                        self.relay.close(rc);
                    }
                }
            }
        }
    }

    fn on_event(&mut self, i: usize, e: Event) {
        let now = self.now;
        match e {
            Event::AuthChallenge { nonce } => {
                let signature = sign(&[i as u8; 4], &nonce);
                self.clients[i].authenticate(signature, now);
            }
            Event::Message {
                topic,
                seq,
                payload,
            } => {
                let log = self.received[i].entry(topic.clone()).or_default();
                let expected = log.last().map_or(1, |(s, _)| s + 1);
                assert_eq!(
                    seq, expected,
                    "client {i} topic {topic}: out of order or duplicate"
                );
                log.push((seq, payload));
            }
            Event::RateLimited { .. } => self.rate_limited += 1,
            // The operator's reaction to alerts: reconnect, then resend what failed.
            Event::Failed { .. } => {
                self.failed_events += 1;
                self.clients[i].reconnect(now);
            }
            // Does nothing unless some message was marked failed.
            Event::Connected => self.clients[i].retry_failed(now).unwrap(),
            Event::StaleEpoch { .. } | Event::Unauthorized { .. } => {
                panic!("client {i}: unexpected {e:?}")
            }
            _ => {}
        }
    }

    fn deliver(&mut self, packet: Packet) {
        let now = self.now;
        match packet {
            Packet::Opened(i, conn) => {
                if self.sockets.get(&(i, conn)).is_some_and(|s| s.alive) {
                    self.clients[i].handle_open(conn, now);
                }
            }
            Packet::Refused(i, conn) => self.clients[i].handle_closed(conn, now),
            Packet::ToRelay(i, conn, bytes) => {
                let Some(socket) = self.sockets.get(&(i, conn)).filter(|s| s.alive) else {
                    return;
                };
                let relay_conn = socket.relay_conn;
                for RelayOutput::Send { conn: to, bytes } in
                    self.relay.handle_frame(relay_conn, &bytes, now, &TestHooks)
                {
                    if let Some(&key) = self.by_relay_conn.get(&to) {
                        self.transmit(key, bytes, false);
                    }
                }
            }
            Packet::ToClient(i, conn, bytes) => {
                if self.sockets.get(&(i, conn)).is_some_and(|s| s.alive) {
                    self.clients[i].handle_frame(conn, &bytes, now);
                }
            }
        }
    }

    /// Restarts the relay: every socket dies, the store survives, connects are refused
    /// for `downtime`.
    fn restart_relay(&mut self) {
        let mut keys: Vec<_> = self
            .sockets
            .iter()
            .filter(|(_, s)| s.alive)
            .map(|(k, _)| *k)
            .collect();
        // HashMap order differs per process: sort so that a seed replays exactly.
        keys.sort();
        for key in keys {
            self.kill(key);
            self.drops -= 1; // counted as a restart, not a drop
        }
        let old = std::mem::replace(
            &mut self.relay,
            Relay::new(self.relay_config.clone(), MemoryStore::new()),
        );
        self.relay = Relay::new(self.relay_config.clone(), old.into_store());
        self.down_until = self.now + self.faults.downtime;
        self.restarts_done += 1;
    }

    /// Advances to the next thing that happens; false when nothing is left to happen
    /// before `until`.
    pub(super) fn step(&mut self, until: u64) -> bool {
        self.drain();
        let next_packet = self.queue.peek().map(|Reverse((at, ..))| *at);
        let next_timer = self.clients.iter().filter_map(Client::poll_timeout).min();
        let next_send = self.pending_sends.last().map(|(at, ..)| *at);
        let next_restart = self.faults.restarts.first().copied();
        let Some(next) = [next_packet, next_timer, next_send, next_restart]
            .into_iter()
            .flatten()
            .min()
        else {
            return false;
        };
        if next > until {
            return false;
        }
        self.now = self.now.max(next);
        let now = self.now;
        if next_restart == Some(next) {
            self.faults.restarts.remove(0);
            self.restart_relay();
        }
        while let Some(&Reverse((at, _, id))) = self.queue.peek() {
            if at > now {
                break;
            }
            self.queue.pop();
            if let Some(p) = self.packets.remove(&id) {
                self.deliver(p);
                self.drain();
            }
        }
        while self.pending_sends.last().is_some_and(|(at, ..)| *at <= now) {
            if let Some((_, i, topic, payload)) = self.pending_sends.pop() {
                self.clients[i].send(topic, payload, now).unwrap();
            }
        }
        for c in &mut self.clients {
            if c.poll_timeout().is_some_and(|t| t <= now) {
                c.handle_timeout(now);
            }
        }
        true
    }

    /// Runs until `done` holds (checked between steps) or `until`; returns whether it held.
    pub(super) fn run(&mut self, until: u64, mut done: impl FnMut(&Sim) -> bool) -> bool {
        self.sort_sends();
        let mut steps = 0u64;
        while !done(self) {
            steps += 1;
            assert!(steps < 20_000_000, "livelock at t={}", self.now);
            if !self.step(until) {
                return done(self);
            }
        }
        true
    }

    /// The relay's whole log of `topic`.
    pub(super) fn log(&self, topic: &Topic) -> Vec<(u64, Vec<u8>)> {
        self.relay.store().read_after(topic, 0, usize::MAX)
    }
}

pub(super) fn seeds(default: &[u64]) -> Vec<u64> {
    match std::env::var("TRANSPORT_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(seed) => vec![seed],
        None => default.to_vec(),
    }
}
