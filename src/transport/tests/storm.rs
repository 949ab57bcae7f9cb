//! Reconnect storm: 100 clients lose the relay at once. Full jitter spreads their first
//! reconnect attempts over the backoff window instead of one spike, and all resume.

use super::sim::{seeds, Faults, Sim};
use crate::transport::relay::RelayConfig;
use crate::transport::*;

const CLIENTS: usize = 100;
const RESTART_AT: u64 = 10_000;
const BUCKET_MS: u64 = 100;

fn storm(seed: u64, jitter: Jitter) -> (Sim, Vec<usize>) {
    let faults = Faults {
        drop: 0.0,
        duplicate: 0.0,
        refuse: 0.0,
        latency: (1, 20),
        restarts: vec![RESTART_AT],
        downtime: 0,
    };
    let mut sim = Sim::new(seed, faults, RelayConfig::default(), CLIENTS, |_| {
        let mut config = ClientConfig::default();
        config.retry.jitter = jitter;
        config
    });
    let topic = Topic::new("group/storm").unwrap();
    for c in 0..CLIENTS {
        sim.clients[c].subscribe(topic.clone(), 0, 0);
        sim.clients[c].connect(0);
    }
    sim.send_at(5_000, 0, topic.clone(), b"before".to_vec());
    sim.send_at(RESTART_AT + 3_000, 1, topic.clone(), b"after".to_vec());
    let resumed = sim.run(RESTART_AT + 60_000, |sim| {
        sim.now > RESTART_AT + 3_000 && sim.clients.iter().all(|c| c.cursor(&topic) == Some(2))
    });
    assert!(resumed, "seed {seed}: not every client resumed");
    // First reconnect attempt of each client after the restart, in 100 ms buckets.
    let mut buckets = vec![0; 12];
    for connects in &sim.connects {
        let first = connects
            .iter()
            .find(|&&t| t >= RESTART_AT)
            .expect("a reconnect");
        let bucket = ((first - RESTART_AT) / BUCKET_MS) as usize;
        buckets[bucket.min(11)] += 1;
    }
    for (c, received) in sim.received.iter().enumerate() {
        let got: Vec<_> = received[&topic].iter().map(|(_, p)| p.as_slice()).collect();
        assert_eq!(got, [&b"before"[..], &b"after"[..]], "client {c}");
    }
    (sim, buckets)
}

#[test]
fn a_reconnect_storm_is_spread_by_full_jitter_and_everyone_resumes() {
    for seed in seeds(&[7, 8]) {
        let (sim, buckets) = storm(seed, Jitter::Full);
        println!(
            "storm: seed={seed} clients={CLIENTS} first-attempt spread per {BUCKET_MS} ms after restart: {buckets:?} resumed={CLIENTS} reconnects={}",
            sim.clients.iter().map(|c| c.health(sim.now).reconnects).sum::<u32>()
        );
        // Uniform over 0..1000 ms would put ~10 per bucket; a spike would put 100 in one.
        assert!(buckets.iter().all(|&n| n <= 25), "spike: {buckets:?}");
        assert!(
            buckets[..10].iter().filter(|&&n| n > 0).count() >= 8,
            "not spread: {buckets:?}"
        );
        // The close reaches clients up to 20 ms after the restart, so 1000..1100 may hold a few.
        assert_eq!(buckets[11], 0, "beyond initialDelay: {buckets:?}");
    }
}

#[test]
fn without_jitter_the_same_storm_is_one_spike() {
    let (_, buckets) = storm(7, Jitter::None);
    println!("storm without jitter: {buckets:?}");
    assert_eq!(
        buckets[10], CLIENTS,
        "all at exactly initialDelay: {buckets:?}"
    );
}

#[test]
fn the_simulation_replays_exactly_from_its_seed() {
    let (a, buckets_a) = storm(9, Jitter::Full);
    let (b, buckets_b) = storm(9, Jitter::Full);
    assert_eq!(a.connects, b.connects);
    assert_eq!(buckets_a, buckets_b);
    assert_eq!(a.now, b.now);
    let (c, _) = storm(10, Jitter::Full);
    assert_ne!(a.connects, c.connects);
}
