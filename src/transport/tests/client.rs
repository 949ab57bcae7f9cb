//! One test per transition of the client state machine, driven by hand with a fake clock.

use crate::transport::frame::{decode, DEFAULT_MAX_FRAME_SIZE};
use crate::transport::*;

const INSTALLATION: &[u8] = &[0xAA; 32];

fn config() -> ClientConfig {
    let mut c = ClientConfig::default();
    c.retry.jitter = Jitter::None;
    c.seed = 1;
    c
}

fn topic(name: &str) -> Topic {
    Topic::new(name).unwrap()
}

fn enc(frame: Frame) -> Vec<u8> {
    frame.encode(DEFAULT_MAX_FRAME_SIZE).unwrap()
}

fn transmits(c: &mut Client) -> Vec<Transmit> {
    std::iter::from_fn(|| c.poll_transmit()).collect()
}

/// Drains transmits, decoding sent frames; connects and closes are returned as `Err`.
fn sent(c: &mut Client) -> Vec<Result<Frame, Transmit>> {
    transmits(c)
        .into_iter()
        .map(|t| match t {
            Transmit::Send { bytes, .. } => Ok(decode(&bytes, DEFAULT_MAX_FRAME_SIZE).unwrap()),
            other => Err(other),
        })
        .collect()
}

fn frames(c: &mut Client) -> Vec<Frame> {
    sent(c).into_iter().filter_map(Result::ok).collect()
}

fn events(c: &mut Client) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn non_health(c: &mut Client) -> Vec<Event> {
    events(c)
        .into_iter()
        .filter(|e| !matches!(e, Event::Health(_)))
        .collect()
}

fn client_with(config: ClientConfig) -> Client {
    Client::new(config, INSTALLATION.to_vec(), Box::new(MemoryOutbox::new())).unwrap()
}

/// Runs the whole handshake at `now`; returns the connection id.
fn handshake(c: &mut Client, now: u64) -> ConnId {
    let conn = match transmits(c).pop() {
        Some(Transmit::Connect { conn }) => conn,
        other => panic!("expected connect, got {other:?}"),
    };
    c.handle_open(conn, now);
    c.handle_frame(conn, &enc(Frame::Challenge { nonce: [3; 32] }), now);
    c.authenticate(vec![9; 64], now);
    c.handle_frame(conn, &enc(Frame::Welcome), now);
    conn
}

fn connected(config: ClientConfig) -> (Client, ConnId) {
    let mut c = client_with(config);
    c.connect(0);
    let conn = handshake(&mut c, 0);
    events(&mut c);
    transmits(&mut c);
    (c, conn)
}

#[test]
fn new_refuses_an_invalid_config() {
    let mut bad = config();
    bad.retry.max_attempts = 0;
    let err = Client::new(bad, vec![], Box::new(MemoryOutbox::new())).unwrap_err();
    assert_eq!(err.code(), "InvalidConfig");
}

#[test]
fn connect_emits_connect_and_arms_the_connection_timeout() {
    let mut c = client_with(config());
    assert_eq!(c.state(), ConnectionState::Idle);
    assert_eq!(c.poll_timeout(), None);
    c.connect(100);
    assert_eq!(c.state(), ConnectionState::Connecting);
    assert_eq!(transmits(&mut c), [Transmit::Connect { conn: ConnId(0) }]);
    assert_eq!(c.poll_timeout(), Some(100 + 30_000));
    // A second connect while connecting does nothing.
    c.connect(101);
    assert!(transmits(&mut c).is_empty());
}

#[test]
fn open_sends_hello_then_challenge_then_auth_then_welcome() {
    let mut c = client_with(config());
    c.connect(0);
    let conn = ConnId(0);
    transmits(&mut c);
    c.handle_open(conn, 1);
    assert_eq!(c.state(), ConnectionState::Authenticating);
    assert_eq!(
        frames(&mut c),
        [Frame::Hello {
            installation: INSTALLATION.to_vec()
        }]
    );
    c.handle_frame(conn, &enc(Frame::Challenge { nonce: [5; 32] }), 2);
    assert_eq!(events(&mut c), [Event::AuthChallenge { nonce: [5; 32] }]);
    c.authenticate(vec![1, 2], 3);
    assert_eq!(
        frames(&mut c),
        [Frame::Auth {
            signature: vec![1, 2]
        }]
    );
    c.handle_frame(conn, &enc(Frame::Welcome), 4);
    assert_eq!(c.state(), ConnectionState::Connected);
    let ev = events(&mut c);
    assert_eq!(ev[0], Event::Connected);
    // Welcome probes the relay at once; the connection timeout is gone.
    assert!(matches!(frames(&mut c)[..], [Frame::Probe { .. }]));
    assert_eq!(c.poll_timeout(), Some(4 + 10_000));
}

#[test]
fn a_client_with_a_binding_presents_it_on_every_connection() {
    assert!(matches!(
        client_with(config()).with_binding(vec![7; 513]),
        Err(TransportError::InvalidConfig {
            field: "binding",
            ..
        })
    ));
    let mut c = client_with(config()).with_binding(vec![7; 129]).unwrap();
    let bound = Frame::BoundHello {
        installation: INSTALLATION.to_vec(),
        binding: vec![7; 129],
    };
    c.connect(0);
    transmits(&mut c);
    c.handle_open(ConnId(0), 1);
    assert_eq!(frames(&mut c), std::slice::from_ref(&bound));
    // After a lost connection, the next socket presents it again.
    c.handle_closed(ConnId(0), 2);
    c.reconnect(3);
    let conn = match transmits(&mut c).pop() {
        Some(Transmit::Connect { conn }) => conn,
        other => panic!("expected connect, got {other:?}"),
    };
    c.handle_open(conn, 4);
    assert_eq!(frames(&mut c), [bound]);
}

#[test]
fn authenticate_outside_a_handshake_is_ignored() {
    let (mut c, _) = connected(config());
    c.authenticate(vec![1], 5);
    assert!(transmits(&mut c).is_empty());
}

#[test]
fn a_signature_answers_only_its_own_challenge() {
    let mut c = client_with(config());
    c.connect(0);
    transmits(&mut c);
    c.handle_open(ConnId(0), 1);
    c.handle_frame(ConnId(0), &enc(Frame::Challenge { nonce: [5; 32] }), 2);
    transmits(&mut c);
    // A signature over another nonce (a previous socket's) is not sent.
    c.authenticate_challenge(&[4; 32], vec![1], 3);
    assert!(transmits(&mut c).is_empty());
    // The socket dies while the signature is computed: it must not reach the next socket.
    c.handle_closed(ConnId(0), 4);
    c.handle_timeout(4 + 1_000);
    assert_eq!(transmits(&mut c), [Transmit::Connect { conn: ConnId(1) }]);
    c.handle_open(ConnId(1), 1_005);
    transmits(&mut c);
    c.authenticate_challenge(&[5; 32], vec![1], 1_006);
    assert!(
        transmits(&mut c).is_empty(),
        "the old challenge is not pending any more"
    );
    c.handle_frame(ConnId(1), &enc(Frame::Challenge { nonce: [6; 32] }), 1_007);
    c.authenticate_challenge(&[6; 32], vec![2], 1_008);
    assert_eq!(frames(&mut c), [Frame::Auth { signature: vec![2] }]);
    // Answered once: a second answer is ignored.
    c.authenticate_challenge(&[6; 32], vec![3], 1_009);
    assert!(transmits(&mut c).is_empty());
}

#[test]
fn an_open_for_an_unknown_socket_closes_it() {
    let mut c = client_with(config());
    c.connect(0);
    transmits(&mut c);
    c.handle_open(ConnId(7), 1);
    assert_eq!(transmits(&mut c), [Transmit::Close { conn: ConnId(7) }]);
    assert_eq!(c.state(), ConnectionState::Connecting);
}

#[test]
fn connection_timeout_closes_and_backs_off() {
    let mut c = client_with(config());
    c.connect(0);
    transmits(&mut c);
    c.handle_timeout(29_999);
    assert_eq!(c.state(), ConnectionState::Connecting);
    c.handle_timeout(30_000);
    assert_eq!(transmits(&mut c), [Transmit::Close { conn: ConnId(0) }]);
    assert_eq!(c.state(), ConnectionState::Backoff);
    assert_eq!(
        non_health(&mut c),
        [Event::Reconnecting {
            attempt: 1,
            delay_ms: 1000
        }]
    );
    assert_eq!(c.poll_timeout(), Some(31_000));
    c.handle_timeout(31_000);
    assert_eq!(c.state(), ConnectionState::Connecting);
    assert_eq!(transmits(&mut c), [Transmit::Connect { conn: ConnId(1) }]);
}

#[test]
fn refused_connections_back_off_exponentially_then_fail_and_stay_usable() {
    let mut c = client_with(config());
    c.send(topic("t"), vec![1], 0).unwrap();
    c.connect(0);
    let mut now = 0;
    let mut delays = vec![];
    for _ in 0..10 {
        let Some(Transmit::Connect { conn }) = transmits(&mut c).pop() else {
            panic!("expected connect")
        };
        c.handle_closed(conn, now);
        for e in non_health(&mut c) {
            if let Event::Reconnecting { delay_ms, .. } = e {
                delays.push(delay_ms);
            }
        }
        now = c.poll_timeout().unwrap();
        c.handle_timeout(now);
    }
    assert_eq!(
        delays,
        [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000]
    );
    // The 11th refusal exhausts maxAttempts = 10.
    let Some(Transmit::Connect { conn }) = transmits(&mut c).pop() else {
        panic!()
    };
    c.handle_closed(conn, now);
    assert_eq!(c.state(), ConnectionState::Failed);
    let ev = non_health(&mut c);
    assert!(matches!(ev[0], Event::SendFailed { .. }));
    assert_eq!(ev[1], Event::Failed { attempts: 10 });
    assert_eq!(c.poll_timeout(), None);
    // Failed is not stuck: reconnect() starts over.
    c.reconnect(now);
    assert_eq!(c.state(), ConnectionState::Connecting);
    handshake(&mut c, now);
    assert_eq!(c.state(), ConnectionState::Connected);
}

#[test]
fn connect_from_failed_also_starts_over() {
    let mut c = client_with(config());
    c.connect(0);
    transmits(&mut c);
    // Refuse authentication: an identity error, not retried.
    c.handle_open(ConnId(0), 0);
    c.handle_frame(
        ConnId(0),
        &enc(Frame::Error(ErrorFrame::Unauthorized {
            id: None,
            topic: None,
        })),
        0,
    );
    assert_eq!(c.state(), ConnectionState::Failed);
    let ev = non_health(&mut c);
    assert_eq!(
        ev,
        [
            Event::Unauthorized {
                id: None,
                topic: None
            },
            Event::Failed { attempts: 0 }
        ]
    );
    assert!(transmits(&mut c).contains(&Transmit::Close { conn: ConnId(0) }));
    c.connect(1);
    assert_eq!(c.state(), ConnectionState::Connecting);
}

#[test]
fn losing_a_connected_socket_disconnects_and_reconnects() {
    let (mut c, conn) = connected(config());
    c.handle_closed(conn, 50);
    assert_eq!(c.state(), ConnectionState::Backoff);
    let ev = events(&mut c);
    assert_eq!(ev[0], Event::Disconnected);
    assert_eq!(
        ev[1],
        Event::Reconnecting {
            attempt: 1,
            delay_ms: 1000
        }
    );
    assert!(matches!(&ev[2], Event::Health(h) if !h.healthy && !h.checks.transport));
    assert_eq!(c.health(50).reconnects, 1);
    // A late close for the dead socket changes nothing.
    c.handle_closed(conn, 60);
    assert!(events(&mut c).is_empty());
    // Frames from the dead socket are ignored too.
    c.handle_frame(conn, &enc(Frame::Welcome), 61);
    assert_eq!(c.state(), ConnectionState::Backoff);
}

#[test]
fn a_successful_connection_resets_the_attempt_counter() {
    let (mut c, conn) = connected(config());
    c.handle_closed(conn, 0);
    c.handle_timeout(1000);
    let Some(Transmit::Connect { conn }) = transmits(&mut c).pop() else {
        panic!()
    };
    c.handle_closed(conn, 1000);
    assert!(non_health(&mut c).contains(&Event::Reconnecting {
        attempt: 2,
        delay_ms: 2000
    }));
    c.handle_timeout(3000);
    handshake(&mut c, 3000);
    let conn = c.health(3000);
    assert!(conn.checks.transport);
    events(&mut c);
    c.handle_closed(ConnId(2), 3001);
    assert!(non_health(&mut c).contains(&Event::Reconnecting {
        attempt: 1,
        delay_ms: 1000
    }));
}

#[test]
fn keep_alive_pings_and_a_missed_pong_means_dead() {
    let (mut c, conn) = connected(config());
    c.handle_timeout(30_000);
    let nonce = frames(&mut c)
        .into_iter()
        .find_map(|f| match f {
            Frame::Ping { nonce } => Some(nonce),
            _ => None,
        })
        .expect("a ping at the keep-alive interval");
    c.handle_frame(conn, &enc(Frame::Pong { nonce }), 30_050);
    // The pong cleared the deadline: nothing dies at 40 000.
    c.handle_timeout(40_000);
    assert_eq!(c.state(), ConnectionState::Connected);
    c.handle_timeout(60_000);
    let ping = frames(&mut c);
    assert!(ping.iter().any(|f| matches!(f, Frame::Ping { .. })));
    // A pong with the wrong nonce does not count.
    c.handle_frame(conn, &enc(Frame::Pong { nonce: 999 }), 60_010);
    c.handle_timeout(70_000);
    assert_eq!(c.state(), ConnectionState::Backoff);
    assert!(transmits(&mut c).contains(&Transmit::Close { conn }));
}

#[test]
fn keep_alive_can_be_disabled() {
    let mut cfg = config();
    cfg.keep_alive.enabled = false;
    let (mut c, _) = connected(cfg);
    c.handle_timeout(30_000);
    assert!(!frames(&mut c)
        .iter()
        .any(|f| matches!(f, Frame::Ping { .. })));
}

#[test]
fn a_relay_ping_is_answered() {
    let (mut c, conn) = connected(config());
    c.handle_frame(conn, &enc(Frame::Ping { nonce: 77 }), 1);
    assert_eq!(frames(&mut c), [Frame::Pong { nonce: 77 }]);
}

#[test]
fn sends_wait_for_the_batch_delay_then_go_as_one_frame() {
    let (mut c, _) = connected(config());
    let a = c.send(topic("t"), vec![1], 100).unwrap();
    let b = c.send(topic("u"), vec![2], 105).unwrap();
    assert!(transmits(&mut c).is_empty());
    assert_eq!(c.poll_timeout(), Some(110));
    c.handle_timeout(110);
    let f = frames(&mut c);
    let [Frame::PublishBatch(batch)] = &f[..] else {
        panic!("expected one batch, got {f:?}")
    };
    assert_eq!(batch.iter().map(|p| p.id).collect::<Vec<_>>(), [a, b]);
    assert_eq!(batch[1].topic, topic("u"));
    assert_eq!(c.outbox().len(), 2);
}

#[test]
fn a_lone_message_goes_as_a_plain_publish() {
    let (mut c, _) = connected(config());
    let id = c.send(topic("t"), vec![1], 0).unwrap();
    c.handle_timeout(10);
    assert_eq!(
        frames(&mut c),
        [Frame::Publish(Publish {
            topic: topic("t"),
            id,
            payload: vec![1]
        })]
    );
}

#[test]
fn a_full_batch_goes_at_once_and_big_payloads_split_batches() {
    let (mut c, _) = connected(config());
    for n in 0..10u8 {
        c.send(topic("t"), vec![n], 0).unwrap();
    }
    let f = frames(&mut c);
    assert!(matches!(&f[..], [Frame::PublishBatch(b)] if b.len() == 10));

    let mut cfg = config();
    cfg.batching.max_batch_bytes = 100;
    let (mut c, _) = connected(cfg);
    c.send(topic("t"), vec![0; 60], 0).unwrap();
    c.send(topic("t"), vec![0; 60], 0).unwrap();
    // 120 bytes reached the 100-byte threshold: flushed as two frames of one message.
    let f = frames(&mut c);
    assert_eq!(f.len(), 2);
    assert!(f.iter().all(|f| matches!(f, Frame::Publish(_))));
}

#[test]
fn payloads_that_cannot_fit_a_frame_are_refused_and_not_stored() {
    let mut cfg = config();
    cfg.max_frame_size = 1000;
    let (mut c, _) = connected(cfg.clone());
    let err = c
        .send(topic("t"), vec![0; cfg.max_payload() + 1], 0)
        .unwrap_err();
    assert_eq!(err.code(), "PayloadTooLarge");
    assert!(c.outbox().is_empty());
    assert!(c.send(topic("t"), vec![0; cfg.max_payload()], 0).is_ok());
}

#[test]
fn messages_sent_offline_wait_in_the_outbox_and_go_after_welcome() {
    let mut c = client_with(config());
    let a = c.send(topic("t"), vec![1], 0).unwrap();
    let b = c.send(topic("t"), vec![2], 0).unwrap();
    assert!(transmits(&mut c).is_empty());
    assert_eq!(c.outbox().ids(), [a, b]);
    c.connect(0);
    handshake(&mut c, 0);
    let f = frames(&mut c);
    let batch = f
        .iter()
        .find_map(|f| match f {
            Frame::PublishBatch(b) => Some(b.iter().map(|p| p.id).collect::<Vec<_>>()),
            _ => None,
        })
        .unwrap();
    assert_eq!(batch, [a, b]);
}

#[test]
fn an_outbox_filled_before_start_is_resent() {
    let mut outbox = MemoryOutbox::new();
    outbox
        .insert(OutboxEntry {
            id: MessageId([1; 16]),
            topic: topic("t"),
            payload: vec![1],
            attempts: 2,
            failed: false,
        })
        .unwrap();
    let mut c = Client::new(config(), vec![], Box::new(outbox)).unwrap();
    c.connect(0);
    handshake(&mut c, 0);
    assert!(frames(&mut c)
        .iter()
        .any(|f| matches!(f, Frame::Publish(p) if p.id == MessageId([1; 16]))));
}

#[test]
fn an_ack_removes_the_message_once() {
    let (mut c, conn) = connected(config());
    let id = c.send(topic("t"), vec![1], 0).unwrap();
    c.handle_timeout(10);
    transmits(&mut c);
    c.handle_frame(conn, &enc(Frame::Ack { id, seq: 4 }), 11);
    assert_eq!(events(&mut c), [Event::Acked { id, seq: 4 }]);
    assert!(c.outbox().is_empty());
    c.handle_frame(conn, &enc(Frame::Ack { id, seq: 4 }), 12);
    assert!(events(&mut c).is_empty());
}

#[test]
fn unacked_messages_are_resent_after_reconnect_in_order() {
    let (mut c, conn) = connected(config());
    let ids: Vec<_> = (0..3u8)
        .map(|n| c.send(topic("t"), vec![n], 0).unwrap())
        .collect();
    c.handle_timeout(10);
    transmits(&mut c);
    c.handle_frame(conn, &enc(Frame::Ack { id: ids[1], seq: 1 }), 11);
    c.handle_closed(conn, 12);
    c.handle_timeout(2000);
    handshake(&mut c, 2000);
    let f = frames(&mut c);
    let resent: Vec<_> = f
        .iter()
        .find_map(|f| match f {
            Frame::PublishBatch(b) => Some(b.iter().map(|p| p.id).collect::<Vec<_>>()),
            _ => None,
        })
        .unwrap();
    assert_eq!(resent, [ids[0], ids[2]]);
    assert_eq!(c.outbox().get(&ids[0]).unwrap().attempts, 1);
}

#[test]
fn a_message_lost_on_max_attempts_connections_fails_then_retry_failed_resends() {
    let mut cfg = config();
    cfg.retry.max_attempts = 2;
    let (mut c, conn) = connected(cfg);
    let id = c.send(topic("t"), vec![1], 0).unwrap();
    c.handle_timeout(10);
    c.handle_closed(conn, 11);
    assert!(!non_health(&mut c)
        .iter()
        .any(|e| matches!(e, Event::SendFailed { .. })));
    c.handle_timeout(1011);
    let conn = handshake(&mut c, 1011);
    transmits(&mut c);
    events(&mut c);
    c.handle_closed(conn, 1012);
    let ev = events(&mut c);
    assert!(ev.contains(&Event::SendFailed {
        id,
        topic: topic("t")
    }));
    assert!(ev
        .iter()
        .any(|e| matches!(e, Event::Health(h) if !h.checks.processing)));
    assert!(c.outbox().get(&id).unwrap().failed);
    // Failed messages are kept but not resent on reconnect...
    c.handle_timeout(5000);
    let conn = handshake(&mut c, 5000);
    assert!(!frames(&mut c)
        .iter()
        .any(|f| matches!(f, Frame::Publish(_) | Frame::PublishBatch(_))));
    // ...until retry_failed.
    c.retry_failed(5001).unwrap();
    assert!(frames(&mut c)
        .iter()
        .any(|f| matches!(f, Frame::Publish(p) if p.id == id)));
    assert!(!c.outbox().get(&id).unwrap().failed);
    c.handle_frame(conn, &enc(Frame::Ack { id, seq: 1 }), 5002);
    assert!(c.outbox().is_empty());
}

#[test]
fn rate_limited_pauses_sending_then_resends_everything_unacked() {
    let mut cfg = config();
    cfg.seed = 42;
    let (mut c, conn) = connected(cfg);
    let a = c.send(topic("t"), vec![1], 0).unwrap();
    c.handle_timeout(10);
    transmits(&mut c);
    c.handle_frame(
        conn,
        &enc(Frame::Error(ErrorFrame::RateLimited {
            retry_after_ms: 500,
        })),
        20,
    );
    let ev = events(&mut c);
    let [Event::RateLimited { retry_after_ms }] = ev[..] else {
        panic!("{ev:?}")
    };
    assert!((500..=1000).contains(&retry_after_ms));
    let b = c.send(topic("t"), vec![2], 21).unwrap();
    c.handle_timeout(31);
    assert!(transmits(&mut c).is_empty(), "paused");
    c.handle_timeout(20 + retry_after_ms);
    let f = frames(&mut c);
    let [Frame::PublishBatch(batch)] = &f[..] else {
        panic!("{f:?}")
    };
    assert_eq!(batch.iter().map(|p| p.id).collect::<Vec<_>>(), [a, b]);
}

#[test]
fn stale_epoch_is_surfaced_and_the_commit_dropped_from_the_outbox() {
    let (mut c, conn) = connected(config());
    let id = c.send(topic("g"), vec![1], 0).unwrap();
    c.handle_frame(
        conn,
        &enc(Frame::Error(ErrorFrame::StaleEpoch {
            id,
            topic: topic("g"),
        })),
        1,
    );
    assert_eq!(
        events(&mut c),
        [Event::StaleEpoch {
            id,
            topic: topic("g")
        }]
    );
    assert!(c.outbox().is_empty());
}

#[test]
fn unauthorized_publish_or_subscription_is_surfaced() {
    let (mut c, conn) = connected(config());
    let id = c.send(topic("g"), vec![1], 0).unwrap();
    c.subscribe(topic("inbox/x"), 0, 0);
    c.handle_frame(
        conn,
        &enc(Frame::Error(ErrorFrame::Unauthorized {
            id: Some(id),
            topic: Some(topic("g")),
        })),
        1,
    );
    c.handle_frame(
        conn,
        &enc(Frame::Error(ErrorFrame::Unauthorized {
            id: None,
            topic: Some(topic("inbox/x")),
        })),
        1,
    );
    let ev = non_health(&mut c);
    assert_eq!(ev.len(), 2);
    assert!(c.outbox().is_empty());
    assert_eq!(c.cursor(&topic("inbox/x")), None);
    assert_eq!(c.state(), ConnectionState::Connected);
}

#[test]
fn other_relay_errors_are_passed_on() {
    let (mut c, conn) = connected(config());
    let e = ErrorFrame::NoKeyPackage { request: 3 };
    c.handle_frame(conn, &enc(Frame::Error(e.clone())), 1);
    assert_eq!(events(&mut c), [Event::RelayError(e)]);
}

#[test]
fn subscriptions_are_sent_and_resumed_from_the_cursor() {
    let mut c = client_with(config());
    c.subscribe(topic("t"), 5, 0);
    assert!(transmits(&mut c).is_empty());
    c.connect(0);
    let conn = handshake(&mut c, 0);
    assert!(frames(&mut c).contains(&Frame::Subscribe {
        topic: topic("t"),
        cursor: 5
    }));
    c.handle_frame(
        conn,
        &enc(Frame::Deliver {
            topic: topic("t"),
            seq: 6,
            payload: vec![6],
        }),
        1,
    );
    assert_eq!(c.cursor(&topic("t")), Some(6));
    c.handle_closed(conn, 2);
    c.handle_timeout(2000);
    handshake(&mut c, 2000);
    assert!(frames(&mut c).contains(&Frame::Subscribe {
        topic: topic("t"),
        cursor: 6
    }));
    // Subscribing again keeps the progress.
    c.subscribe(topic("t"), 0, 2001);
    assert_eq!(
        frames(&mut c),
        [Frame::Subscribe {
            topic: topic("t"),
            cursor: 6
        }]
    );
}

#[test]
fn unsubscribe_stops_delivery() {
    let (mut c, conn) = connected(config());
    c.subscribe(topic("t"), 0, 0);
    c.unsubscribe(&topic("t"), 0);
    let f = frames(&mut c);
    assert_eq!(f[1], Frame::Unsubscribe { topic: topic("t") });
    c.handle_frame(
        conn,
        &enc(Frame::Deliver {
            topic: topic("t"),
            seq: 1,
            payload: vec![],
        }),
        1,
    );
    assert!(events(&mut c).is_empty());
    c.unsubscribe(&topic("t"), 0);
    assert!(transmits(&mut c).is_empty());
}

#[test]
fn deliveries_are_deduplicated_and_reordered() {
    let (mut c, conn) = connected(config());
    c.subscribe(topic("t"), 0, 0);
    for seq in [2, 1, 1, 3, 2] {
        c.handle_frame(
            conn,
            &enc(Frame::Deliver {
                topic: topic("t"),
                seq,
                payload: vec![seq as u8],
            }),
            1,
        );
    }
    let seqs: Vec<_> = events(&mut c)
        .into_iter()
        .filter_map(|e| match e {
            Event::Message { seq, payload, .. } => {
                assert_eq!(payload, [seq as u8]);
                Some(seq)
            }
            _ => None,
        })
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
}

#[test]
fn a_stalled_gap_is_reported_and_replayed_at_the_next_probe() {
    let (mut c, conn) = connected(config());
    c.subscribe(topic("t"), 0, 0);
    c.handle_frame(conn, &enc(Frame::ProbeReply { nonce: 1 }), 0);
    transmits(&mut c);
    events(&mut c);
    c.handle_frame(
        conn,
        &enc(Frame::Deliver {
            topic: topic("t"),
            seq: 2,
            payload: vec![],
        }),
        1,
    );
    assert!(c.health(10_000).checks.processing);
    assert!(!c.health(10_001).checks.processing);
    c.handle_timeout(30_000);
    let f = frames(&mut c);
    assert!(f.contains(&Frame::Subscribe {
        topic: topic("t"),
        cursor: 0
    }));
}

#[test]
fn health_follows_the_probe_through_the_relay() {
    let mut cfg = config();
    cfg.keep_alive.enabled = false;
    let mut c = client_with(cfg);
    c.connect(0);
    let conn = handshake(&mut c, 0);
    let ev = events(&mut c);
    let Some(Event::Health(h)) = ev.last() else {
        panic!("{ev:?}")
    };
    assert!(h.checks.transport && !h.checks.relay_round_trip && !h.healthy);
    let Some(Frame::Probe { nonce }) = frames(&mut c).pop() else {
        panic!()
    };
    c.handle_frame(conn, &enc(Frame::ProbeReply { nonce }), 25);
    let ev = events(&mut c);
    assert_eq!(
        ev,
        [Event::Health(HealthStatus {
            healthy: true,
            checks: HealthChecks {
                transport: true,
                relay_round_trip: true,
                processing: true
            },
            last_round_trip_ms: Some(25),
            reconnects: 0,
            outbox_size: 0,
            timestamp: 25,
        })]
    );
    // The next probe goes unanswered: unhealthy after health.timeout.
    c.handle_timeout(30_000);
    let probes = frames(&mut c);
    assert!(probes.iter().any(|f| matches!(f, Frame::Probe { .. })));
    c.handle_timeout(40_000);
    let ev = events(&mut c);
    assert!(matches!(&ev[..], [Event::Health(h)] if !h.healthy && !h.checks.relay_round_trip));
    // An unchanged status raises no event.
    c.handle_timeout(40_001);
    assert!(events(&mut c).is_empty());
}

#[test]
fn a_reply_to_an_unknown_probe_is_ignored() {
    let (mut c, conn) = connected(config());
    c.handle_frame(conn, &enc(Frame::ProbeReply { nonce: 99 }), 5);
    assert!(events(&mut c).is_empty());
    assert_eq!(c.health(5).last_round_trip_ms, None);
}

#[test]
fn undecodable_bytes_from_the_relay_reset_the_connection() {
    let (mut c, conn) = connected(config());
    c.handle_frame(conn, &[1, 250, 3], 5);
    assert!(transmits(&mut c).contains(&Transmit::Close { conn }));
    assert_eq!(c.state(), ConnectionState::Backoff);
    c.handle_frame(ConnId(99), &[0xFF], 6);
    assert_eq!(c.state(), ConnectionState::Backoff);
}

#[test]
fn offline_waits_for_online_instead_of_retrying() {
    let (mut c, conn) = connected(config());
    c.handle_offline(10);
    assert_eq!(c.state(), ConnectionState::Offline);
    assert!(transmits(&mut c).contains(&Transmit::Close { conn }));
    assert!(events(&mut c).contains(&Event::Disconnected));
    assert_eq!(c.poll_timeout(), None);
    c.handle_online(20);
    assert_eq!(c.state(), ConnectionState::Connecting);
    // Offline during a backoff also parks; offline before start defers the connect.
    let mut c = client_with(config());
    c.handle_offline(0);
    c.connect(0);
    assert_eq!(c.state(), ConnectionState::Offline);
    assert!(transmits(&mut c).is_empty());
    c.handle_online(1);
    let Some(Transmit::Connect { conn }) = transmits(&mut c).pop() else {
        panic!()
    };
    c.handle_closed(conn, 2);
    assert_eq!(c.state(), ConnectionState::Backoff);
    c.handle_offline(3);
    assert_eq!(c.state(), ConnectionState::Offline);
    // A socket that fails while offline does not schedule retries.
    c.handle_online(4);
    c.handle_offline(5);
    assert_eq!(c.poll_timeout(), None);
}

#[test]
fn becoming_visible_probes_or_cuts_the_backoff_short() {
    let (mut c, conn) = connected(config());
    c.handle_frame(conn, &enc(Frame::ProbeReply { nonce: 1 }), 1);
    transmits(&mut c);
    c.handle_visible(5);
    let f = frames(&mut c);
    assert!(f.iter().any(|f| matches!(f, Frame::Ping { .. })));
    assert!(f.iter().any(|f| matches!(f, Frame::Probe { .. })));
    c.handle_closed(conn, 6);
    assert_eq!(c.state(), ConnectionState::Backoff);
    c.handle_visible(7);
    assert_eq!(c.state(), ConnectionState::Connecting);
    // Idle: nothing to do.
    let mut idle = client_with(config());
    idle.handle_visible(0);
    assert!(transmits(&mut idle).is_empty());
}

#[test]
fn close_disconnects_for_good() {
    let (mut c, conn) = connected(config());
    c.close(5);
    assert_eq!(c.state(), ConnectionState::Idle);
    assert_eq!(transmits(&mut c), [Transmit::Close { conn }]);
    assert!(events(&mut c).contains(&Event::Disconnected));
    assert_eq!(c.poll_timeout(), None);
}

#[test]
fn reconnect_replaces_a_live_connection() {
    let (mut c, conn) = connected(config());
    c.reconnect(5);
    assert_eq!(
        transmits(&mut c),
        [
            Transmit::Close { conn },
            Transmit::Connect { conn: ConnId(1) }
        ]
    );
}

#[test]
fn key_packages_need_a_connection() {
    let mut c = client_with(config());
    assert_eq!(
        c.claim_key_package(1, vec![1]),
        Err(TransportError::NotConnected)
    );
    let (mut c, conn) = connected(config());
    c.publish_key_packages(vec![vec![1]], Some(vec![2]))
        .unwrap();
    c.claim_key_package(4, vec![7]).unwrap();
    assert_eq!(
        frames(&mut c),
        [
            Frame::KeyPackagePublish {
                one_time: vec![vec![1]],
                last_resort: Some(vec![2])
            },
            Frame::KeyPackageClaim {
                request: 4,
                installation: vec![7]
            }
        ]
    );
    c.handle_frame(
        conn,
        &enc(Frame::KeyPackage {
            request: 4,
            key_package: vec![8],
            last_resort: false,
        }),
        1,
    );
    assert_eq!(
        events(&mut c),
        [Event::KeyPackage {
            request: 4,
            key_package: vec![8],
            last_resort: false
        }]
    );
}

#[test]
fn full_jitter_depends_on_the_seed_only() {
    let delay = |seed| {
        let (mut c, conn) = connected(ClientConfig {
            seed,
            ..ClientConfig::default()
        });
        c.handle_closed(conn, 0);
        events(&mut c)
            .into_iter()
            .find_map(|e| match e {
                Event::Reconnecting { delay_ms, .. } => Some(delay_ms),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(delay(5), delay(5));
    let spread: std::collections::BTreeSet<_> = (0..20).map(delay).collect();
    assert!(spread.len() > 10);
    assert!(spread.iter().all(|&d| d <= 1000));
}

#[test]
fn the_send_window_holds_messages_until_acks_arrive() {
    let mut cfg = config();
    cfg.batching.max_in_flight = 3;
    cfg.batching.max_batch_size = 2;
    let (mut c, conn) = connected(cfg);
    let ids: Vec<_> = (0..5u8)
        .map(|n| c.send(topic("t"), vec![n], 0).unwrap())
        .collect();
    c.handle_timeout(10);
    let sent_ids = |f: Vec<Frame>| -> Vec<MessageId> {
        f.into_iter()
            .flat_map(|f| match f {
                Frame::Publish(p) => vec![p.id],
                Frame::PublishBatch(b) => b.into_iter().map(|p| p.id).collect(),
                _ => vec![],
            })
            .collect()
    };
    assert_eq!(sent_ids(frames(&mut c)), ids[..3]);
    c.handle_frame(conn, &enc(Frame::Ack { id: ids[0], seq: 1 }), 11);
    assert_eq!(sent_ids(frames(&mut c)), ids[3..4]);
    c.handle_frame(conn, &enc(Frame::Ack { id: ids[1], seq: 2 }), 12);
    assert_eq!(sent_ids(frames(&mut c)), ids[4..5]);
}

#[test]
fn expired_messages_are_reported_and_skipped() {
    let (mut c, conn) = connected(config());
    c.subscribe(topic("t"), 0, 0);
    let deliver = |seq| {
        enc(Frame::Deliver {
            topic: topic("t"),
            seq,
            payload: vec![seq as u8],
        })
    };
    c.handle_frame(conn, &deliver(4), 1);
    c.handle_frame(
        conn,
        &enc(Frame::Expired {
            topic: topic("t"),
            through: 3,
        }),
        2,
    );
    assert_eq!(
        events(&mut c),
        [
            Event::Expired {
                topic: topic("t"),
                from: 1,
                through: 3
            },
            Event::Message {
                topic: topic("t"),
                seq: 4,
                payload: vec![4]
            }
        ]
    );
    // Stale or unknown-topic notices change nothing.
    c.handle_frame(
        conn,
        &enc(Frame::Expired {
            topic: topic("t"),
            through: 2,
        }),
        3,
    );
    c.handle_frame(
        conn,
        &enc(Frame::Expired {
            topic: topic("u"),
            through: 9,
        }),
        3,
    );
    assert!(events(&mut c).is_empty());
    assert_eq!(c.cursor(&topic("t")), Some(4));
}

#[test]
fn times_near_the_end_of_the_clock_do_not_overflow() {
    let end = u64::MAX - 5;
    let mut c = client_with(ClientConfig::default());
    c.connect(end);
    let conn = handshake(&mut c, end);
    c.send(topic("t"), vec![1], end).unwrap();
    c.handle_frame(
        conn,
        &enc(Frame::Error(ErrorFrame::RateLimited {
            retry_after_ms: u32::MAX,
        })),
        end,
    );
    c.handle_timeout(u64::MAX);
    c.handle_closed(conn, u64::MAX);
    // Every saturated deadline is due at once: the attempts run out instead of looping.
    c.handle_timeout(u64::MAX);
    assert_eq!(c.state(), ConnectionState::Failed);
    c.reconnect(0);
    assert_eq!(c.state(), ConnectionState::Connecting);
}

#[test]
fn a_caller_chosen_id_is_sent_once_even_if_given_twice() {
    let (mut c, _) = connected(config());
    let id = c.new_message_id();
    assert_ne!(id, c.new_message_id());
    c.send_with_id(id, topic("t"), vec![1], 0).unwrap();
    c.send_with_id(id, topic("t"), vec![1], 0).unwrap();
    assert_eq!(c.outbox().ids(), [id]);
    c.handle_timeout(10);
    assert_eq!(
        frames(&mut c),
        [Frame::Publish(Publish {
            topic: topic("t"),
            id,
            payload: vec![1]
        })]
    );
}
