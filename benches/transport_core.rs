//! Throughput of the transport core, natively, without sockets: frame encode/decode, and
//! messages from one client through the relay core to another client (plain payloads).
//! Run with `cargo bench --bench transport_core`; prints one line per measurement.

use std::time::Instant;

use hybrid_edge::transport::frame::{decode, DEFAULT_MAX_FRAME_SIZE};
use hybrid_edge::transport::relay::{
    Classified, Identity, MemoryStore, Relay, RelayConfig, RelayHooks, RelayOutput,
};
use hybrid_edge::transport::{
    Client, ClientConfig, ConnId, Event, Frame, MemoryOutbox, MessageId, Publish, Topic, Transmit,
};

const PAYLOAD: usize = 256;

struct AcceptAll;

impl RelayHooks for AcceptAll {
    fn verify(
        &self,
        installation: &[u8],
        _: &[u8; 32],
        _: &[u8],
        _: Option<&[u8]>,
    ) -> Option<Identity> {
        Some(Identity {
            installation: installation.to_vec(),
            address: "0x01".into(),
        })
    }

    fn classify(&self, _: &[u8]) -> Classified {
        Classified::Opaque
    }
}

fn frames() {
    let topic = Topic::new("group/bench").unwrap();
    let batch = Frame::PublishBatch(
        (0..10u8)
            .map(|n| Publish {
                topic: topic.clone(),
                id: MessageId([n; 16]),
                payload: vec![n; PAYLOAD],
            })
            .collect(),
    );
    let n = 100_000;
    let start = Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        let encoded = batch.encode(DEFAULT_MAX_FRAME_SIZE).unwrap();
        bytes += encoded.len();
        std::hint::black_box(decode(&encoded, DEFAULT_MAX_FRAME_SIZE).unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "frame: encode+decode of a 10 x {PAYLOAD} B batch: {:.0} frames/s, {:.0} MB/s",
        n as f64 / secs,
        bytes as f64 / secs / 1e6
    );
}

/// Pumps every output between the two clients and the relay until all are quiet.
fn pump(clients: &mut [Client; 2], relay: &mut Relay<MemoryStore>, now: u64, delivered: &mut u64) {
    loop {
        let mut busy = false;
        for i in 0..2 {
            while let Some(t) = clients[i].poll_transmit() {
                busy = true;
                let conn = ConnId(i as u64);
                match t {
                    Transmit::Connect { conn: c } => {
                        relay.open(conn, [0; 32], now);
                        clients[i].handle_open(c, now);
                    }
                    Transmit::Send { bytes, .. } => {
                        for RelayOutput::Send { conn: to, bytes } in
                            relay.handle_frame(conn, &bytes, now, &AcceptAll)
                        {
                            let to = to.0 as usize;
                            clients[to].handle_frame(ConnId(0), &bytes, now);
                        }
                    }
                    Transmit::Close { .. } => relay.close(conn),
                }
            }
            while let Some(e) = clients[i].poll_event() {
                busy = true;
                match e {
                    Event::AuthChallenge { .. } => clients[i].authenticate(vec![], now),
                    Event::Message { .. } => *delivered += 1,
                    _ => {}
                }
            }
        }
        if !busy {
            return;
        }
    }
}

fn end_to_end() {
    let topic = Topic::new("group/bench").unwrap();
    let relay_config = RelayConfig {
        rate_capacity: u32::MAX,
        rate_per_second: u32::MAX,
        ..RelayConfig::default()
    };
    let mut relay = Relay::new(relay_config, MemoryStore::new());
    let new_client = || {
        Client::new(
            ClientConfig::default(),
            vec![1],
            Box::new(MemoryOutbox::new()),
        )
        .unwrap()
    };
    let mut clients = [new_client(), new_client()];
    let mut delivered = 0;
    clients[1].subscribe(topic.clone(), 0, 0);
    for c in &mut clients {
        c.connect(0);
    }
    pump(&mut clients, &mut relay, 0, &mut delivered);
    let n = 200_000u64;
    let start = Instant::now();
    let mut now = 0;
    for i in 0..n {
        clients[0]
            .send(topic.clone(), vec![i as u8; PAYLOAD], now)
            .unwrap();
        if i % 10 == 9 {
            pump(&mut clients, &mut relay, now, &mut delivered);
            now += 1;
        }
    }
    pump(&mut clients, &mut relay, now, &mut delivered);
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(delivered, n);
    println!(
        "end-to-end (client -> relay core -> client, in process, {PAYLOAD} B plain): {:.0} msgs/s",
        n as f64 / secs
    );
}

fn main() {
    frames();
    end_to_end();
}
