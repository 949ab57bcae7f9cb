//! Thousands of messages through drops, duplicates, reordering, refusals and relay
//! restarts: 0 lost, 0 duplicated, order kept per topic.

use std::collections::BTreeSet;

use super::sim::{seeds, Faults, Sim};
use crate::transport::relay::{RelayConfig, RelayStore};
use crate::transport::*;

const CLIENTS: usize = 4;
const TOPICS: usize = 4;
const MESSAGES: u32 = 10_000;
const SEND_WINDOW_MS: u64 = 120_000;

fn topic(n: usize) -> Topic {
    Topic::new(format!("group/{n}")).unwrap()
}

fn run_chaos(seed: u64) {
    println!("chaos sim seed={seed} (replay with TRANSPORT_SIM_SEED={seed})");
    let faults = Faults {
        drop: 0.0015,
        duplicate: 0.01,
        refuse: 0.1,
        latency: (1, 40),
        restarts: vec![30_000, 65_000, 100_000],
        downtime: 2_000,
    };
    // A tight rate limit so that RateLimited pauses happen too.
    let relay = RelayConfig {
        rate_capacity: 40,
        rate_per_second: 60,
        ..RelayConfig::default()
    };
    let mut sim = Sim::new(seed, faults, relay, CLIENTS, |_| ClientConfig::default());
    for c in 0..CLIENTS {
        for t in 0..TOPICS {
            sim.clients[c].subscribe(topic(t), 0, 0);
        }
        sim.clients[c].connect(0);
    }
    // Each message: (sender, number) in the payload, at a random time, to a random topic.
    let mut rng = SplitMix64::new(seed ^ 0xC4A05);
    let mut sent = BTreeSet::new();
    for n in 0..MESSAGES {
        let sender = rng.up_to(CLIENTS as u64 - 1) as usize;
        let t = rng.up_to(TOPICS as u64 - 1) as usize;
        let at = rng.up_to(SEND_WINDOW_MS);
        let mut payload = vec![sender as u8];
        payload.extend_from_slice(&n.to_le_bytes());
        sent.insert(payload.clone());
        sim.send_at(at, sender, topic(t), payload);
    }
    let finished = sim.run(3_600_000, |sim| {
        sim.now > SEND_WINDOW_MS
            && sim.clients.iter().all(|c| c.outbox().is_empty())
            && (0..TOPICS).all(|t| {
                let head = sim.relay.store().head(&topic(t));
                sim.clients
                    .iter()
                    .all(|c| c.cursor(&topic(t)) == Some(head))
            })
    });
    assert!(finished, "seed {seed}: did not converge by t={}", sim.now);
    // With the traffic settled, every client reports itself healthy after its next probe.
    let settle = sim.now + 31_000;
    let healthy = sim.run(settle + 60_000, |sim| {
        sim.now >= settle && sim.clients.iter().all(|c| c.health(sim.now).healthy)
    });
    assert!(
        healthy,
        "seed {seed}: not all healthy: {:?}",
        sim.clients
            .iter()
            .map(|c| c.health(sim.now))
            .collect::<Vec<_>>()
    );

    // The relay stored every message exactly once...
    let mut stored = BTreeSet::new();
    let mut total = 0;
    for t in 0..TOPICS {
        let log = sim.log(&topic(t));
        for (i, (seq, payload)) in log.iter().enumerate() {
            assert_eq!(*seq, i as u64 + 1, "seed {seed}: gap in the log");
            assert!(
                stored.insert(payload.clone()),
                "seed {seed}: stored twice: {payload:?}"
            );
        }
        total += log.len();
        // ...and every client got each topic's log exactly, in order.
        for (c, received) in sim.received.iter().enumerate() {
            assert_eq!(
                received.get(&topic(t)).cloned().unwrap_or_default(),
                log,
                "seed {seed}: client {c} topic {t}"
            );
        }
    }
    assert_eq!(stored, sent, "seed {seed}: lost messages");
    let delivered: usize = sim
        .received
        .iter()
        .flat_map(|r| r.values())
        .map(Vec::len)
        .sum();
    println!(
        "chaos: seed={seed} sent={} stored={total} delivered={delivered} lost=0 duplicated=0 reordered=0 drops={} restarts={} refused={} duplicated_frames={} rate_limited={} failed={} t_end={}ms",
        sent.len(),
        sim.drops,
        sim.restarts_done,
        sim.refused,
        sim.duplicates,
        sim.rate_limited,
        sim.failed_events,
        sim.now
    );
    assert_eq!(total, MESSAGES as usize);
    assert_eq!(delivered, MESSAGES as usize * CLIENTS);
    // The faults really happened.
    assert!(sim.drops >= 50, "seed {seed}: only {} drops", sim.drops);
    assert_eq!(sim.restarts_done, 3);
    assert!(sim.duplicates > 0 && sim.refused > 0);
}

#[test]
fn ten_thousand_messages_through_chaos_none_lost_or_duplicated() {
    for seed in seeds(&[1, 2, 3]) {
        run_chaos(seed);
    }
}
