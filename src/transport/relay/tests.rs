//! Relay behaviour, including the authorization matrix.

use super::*;
use crate::transport::frame::{decode, MessageId};
use crate::transport::membership::{installation_id, InstallationId, MembershipChange};
use std::collections::BTreeSet;

/// Fake crypto: a valid signature is the installation followed by the nonce; the address
/// is `0x` and the installation's first byte in hex.
pub(crate) struct TestHooks;

pub(crate) fn sign(installation: &[u8], nonce: &[u8; 32]) -> Vec<u8> {
    [installation, nonce].concat()
}

impl RelayHooks for TestHooks {
    fn verify(
        &self,
        installation: &[u8],
        nonce: &[u8; 32],
        signature: &[u8],
        _binding: Option<&[u8]>,
    ) -> Option<Identity> {
        (signature == sign(installation, nonce).as_slice()).then(|| Identity {
            installation: installation.to_vec(),
            address: format!("0x{:02x}", installation.first().copied().unwrap_or(0)),
        })
    }

    /// `C<epoch><group id…>` is a commit, `P<epoch><group id…>` a proposal, `M…` bytes that
    /// announce an MLS message but do not parse, anything else not an MLS message.
    fn classify(&self, payload: &[u8]) -> Classified {
        let message = |epoch: &u8, group: &[u8], is_commit| Classified::Message {
            group_id: group.to_vec(),
            handshake: Handshake {
                epoch: u64::from(*epoch),
                is_commit,
            },
        };
        match payload {
            [b'C', epoch, group @ ..] => message(epoch, group, true),
            [b'P', epoch, group @ ..] => message(epoch, group, false),
            [b'M', ..] => Classified::Malformed,
            _ => Classified::Opaque,
        }
    }
}

fn t(name: &str) -> Topic {
    Topic::new(name).unwrap()
}

fn enc(f: Frame) -> Vec<u8> {
    f.encode(DEFAULT_MAX_FRAME_SIZE).unwrap()
}

struct Bench {
    relay: Relay<MemoryStore>,
    now: u64,
}

impl Bench {
    fn new(config: RelayConfig) -> Self {
        Self {
            relay: Relay::new(config, MemoryStore::new()),
            now: 0,
        }
    }

    fn send(&mut self, conn: u64, f: Frame) -> Vec<(u64, Frame)> {
        self.raw(conn, &enc(f))
    }

    fn raw(&mut self, conn: u64, bytes: &[u8]) -> Vec<(u64, Frame)> {
        self.relay
            .handle_frame(ConnId(conn), bytes, self.now, &TestHooks)
            .into_iter()
            .map(|RelayOutput::Send { conn, bytes }| (conn.0, decode(&bytes, usize::MAX).unwrap()))
            .collect()
    }

    /// Opens and authenticates `conn` as installation `[who; 4]`.
    fn login(&mut self, conn: u64, who: u8) {
        let nonce = [conn as u8; 32];
        self.relay.open(ConnId(conn), nonce, self.now);
        let installation = vec![who; 4];
        assert_eq!(
            self.send(
                conn,
                Frame::Hello {
                    installation: installation.clone()
                }
            ),
            [(conn, Frame::Challenge { nonce })]
        );
        let signature = sign(&installation, &nonce);
        assert_eq!(
            self.send(conn, Frame::Auth { signature }),
            [(conn, Frame::Welcome)]
        );
    }
}

fn publish(topic: &str, id: u8, payload: &[u8]) -> Frame {
    Frame::Publish(Publish {
        topic: t(topic),
        id: MessageId([id; 16]),
        payload: payload.to_vec(),
    })
}

fn unauthorized(id: Option<u8>, topic: Option<&str>) -> Frame {
    Frame::Error(ErrorFrame::Unauthorized {
        id: id.map(|i| MessageId([i; 16])),
        topic: topic.map(t),
    })
}

#[test]
fn publish_acks_stores_once_and_delivers_live() {
    let mut b = Bench::new(RelayConfig::default());
    b.login(1, 1);
    b.login(2, 2);
    assert!(b
        .send(
            2,
            Frame::Subscribe {
                topic: t("group/g"),
                cursor: 0
            }
        )
        .is_empty());
    let out = b.send(1, publish("group/g", 7, b"hi"));
    assert_eq!(
        out,
        [
            (
                1,
                Frame::Ack {
                    id: MessageId([7; 16]),
                    seq: 1
                }
            ),
            (
                2,
                Frame::Deliver {
                    topic: t("group/g"),
                    seq: 1,
                    payload: b"hi".to_vec()
                }
            )
        ]
    );
    // Repeated id: acked again, not stored or delivered again.
    let out = b.send(1, publish("group/g", 7, b"changed"));
    assert_eq!(
        out,
        [(
            1,
            Frame::Ack {
                id: MessageId([7; 16]),
                seq: 1
            }
        )]
    );
    assert_eq!(b.relay.store().read_after(&t("group/g"), 0, 10).len(), 1);
}

#[test]
fn subscribe_sends_the_backlog_after_the_cursor_then_live() {
    let mut b = Bench::new(RelayConfig::default());
    b.login(1, 1);
    for i in 1..=3 {
        b.send(1, publish("group/g", i, &[i]));
    }
    let out = b.send(
        1,
        Frame::Subscribe {
            topic: t("group/g"),
            cursor: 1,
        },
    );
    let seqs: Vec<u64> = out
        .iter()
        .map(|(_, f)| match f {
            Frame::Deliver { seq, .. } => *seq,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(seqs, [2, 3]);
    let live = b.send(1, publish("group/g", 4, &[4]));
    assert_eq!(live.len(), 2);
    b.send(
        1,
        Frame::Unsubscribe {
            topic: t("group/g"),
        },
    );
    assert_eq!(
        b.send(1, publish("group/g", 5, &[5])).len(),
        1,
        "only the ack"
    );
}

#[test]
fn a_long_backlog_goes_out_in_full() {
    let mut b = Bench::new(RelayConfig {
        rate_capacity: 10_000,
        ..RelayConfig::default()
    });
    b.login(1, 1);
    for i in 0..1200u32 {
        let mut id = [0; 16];
        id[..4].copy_from_slice(&i.to_le_bytes());
        b.send(
            1,
            Frame::Publish(Publish {
                topic: t("group/g"),
                id: MessageId(id),
                payload: vec![],
            }),
        );
    }
    let out = b.send(
        1,
        Frame::Subscribe {
            topic: t("group/g"),
            cursor: 0,
        },
    );
    assert_eq!(out.len(), 1200);
}

#[test]
fn the_first_commit_of_an_epoch_wins_later_ones_are_stale() {
    let mut b = Bench::new(RelayConfig::default());
    b.login(1, 1);
    b.login(2, 2);
    assert!(matches!(
        b.send(1, publish("group/0x67", 1, b"C\x05g"))[..],
        [(1, Frame::Ack { seq: 1, .. })]
    ));
    assert_eq!(
        b.send(2, publish("group/0x67", 2, b"C\x05g")),
        [(
            2,
            Frame::Error(ErrorFrame::StaleEpoch {
                id: MessageId([2; 16]),
                topic: t("group/0x67")
            })
        )]
    );
    // Proposals and application messages are not ordered by epoch.
    assert!(matches!(
        b.send(2, publish("group/0x67", 3, b"P\x01g"))[..],
        [(2, Frame::Ack { .. })]
    ));
    assert!(matches!(
        b.send(2, publish("group/0x67", 4, b"app"))[..],
        [(2, Frame::Ack { .. })]
    ));
    // The next epoch's commit is accepted; a retry of the winner is acked again.
    assert!(matches!(
        b.send(2, publish("group/0x67", 5, b"C\x06g"))[..],
        [(2, Frame::Ack { .. })]
    ));
    assert!(matches!(
        b.send(1, publish("group/0x67", 1, b"C\x05g"))[..],
        [(1, Frame::Ack { seq: 1, .. })]
    ));
    assert_eq!(b.relay.store().epoch(&t("group/0x67")), Some(7));
}

#[test]
fn an_mls_message_must_belong_to_the_group_its_topic_names() {
    let mut b = Bench::new(RelayConfig::default());
    b.login(1, 1);
    let refused = |id: u8, topic: &str| {
        vec![(
            1,
            Frame::Error(ErrorFrame::Unauthorized {
                id: Some(MessageId([id; 16])),
                topic: Some(t(topic)),
            }),
        )]
    };
    // Group "g" is `0x67`: a commit of group "h", one on a topic that is not its id in
    // lower-case hex, and one on a non-hex name are refused and change no epoch.
    assert_eq!(
        b.send(1, publish("group/0x67", 1, b"C\x05h")),
        refused(1, "group/0x67")
    );
    assert_eq!(
        b.send(1, publish("group/0x6A", 2, b"C\x05j")),
        refused(2, "group/0x6A")
    );
    assert_eq!(
        b.send(1, publish("group/g", 3, b"C\x05g")),
        refused(3, "group/g")
    );
    assert_eq!(
        b.send(1, publish("group/g", 4, b"P\x05g")),
        refused(4, "group/g")
    );
    assert_eq!(b.relay.store().epoch(&t("group/0x67")), None);
    assert_eq!(b.relay.store().epoch(&t("group/g")), None);
    // Bytes that announce an MLS message but do not parse are refused on a group topic.
    assert_eq!(
        b.send(1, publish("group/0x67", 5, b"Mangled")),
        refused(5, "group/0x67")
    );
    assert!(b
        .relay
        .store()
        .read_after(&t("group/0x67"), 0, 10)
        .is_empty());
    // The group's own messages and opaque bytes are taken.
    assert!(matches!(
        b.send(1, publish("group/0x67", 6, b"C\x05g"))[..],
        [(1, Frame::Ack { seq: 1, .. })]
    ));
    assert!(matches!(
        b.send(1, publish("group/g", 7, b"opaque"))[..],
        [(1, Frame::Ack { seq: 1, .. })]
    ));
    assert_eq!(b.relay.store().epoch(&t("group/0x67")), Some(6));
    // An inbox topic names no group: messages there are not matched against it.
    assert!(matches!(
        b.send(1, publish("inbox/0x02", 8, b"C\x01h"))[..],
        [(1, Frame::Ack { seq: 1, .. })]
    ));
}

#[test]
fn rate_limit_refuses_with_retry_after_and_stores_nothing() {
    let mut b = Bench::new(RelayConfig {
        rate_capacity: 1,
        rate_per_second: 10,
        ..RelayConfig::default()
    });
    b.login(1, 1); // The handshake is not metered.
    assert!(matches!(
        b.send(1, publish("group/g", 1, b"a"))[..],
        [(1, Frame::Ack { .. })]
    ));
    assert_eq!(
        b.send(1, publish("group/g", 2, b"b")),
        [(
            1,
            Frame::Error(ErrorFrame::RateLimited {
                retry_after_ms: 100
            })
        )]
    );
    assert_eq!(b.relay.store().read_after(&t("group/g"), 0, 10).len(), 1);
    // Pings and probes still pass.
    assert_eq!(
        b.send(1, Frame::Ping { nonce: 1 }),
        [(1, Frame::Pong { nonce: 1 })]
    );
    assert_eq!(
        b.send(1, Frame::Probe { nonce: 2 }),
        [(1, Frame::ProbeReply { nonce: 2 })]
    );
    b.now = 100;
    assert!(matches!(
        b.send(1, publish("group/g", 2, b"b"))[..],
        [(1, Frame::Ack { seq: 2, .. })]
    ));
}

#[test]
fn after_a_refusal_writes_wait_for_the_named_time_so_none_overtakes() {
    let mut b = Bench::new(RelayConfig {
        rate_capacity: 2,
        rate_per_second: 10,
        ..RelayConfig::default()
    });
    b.login(1, 1);
    assert!(matches!(
        b.send(1, publish("group/g", 1, b"a"))[..],
        [(1, Frame::Ack { seq: 1, .. })]
    ));
    let batch = |ids: &[u8]| {
        Frame::PublishBatch(
            ids.iter()
                .map(|&n| match publish("group/g", n, &[n]) {
                    Frame::Publish(p) => p,
                    _ => unreachable!(),
                })
                .collect(),
        )
    };
    // Two messages need two tokens; one is left: refused for 100 ms.
    let limited = |ms| {
        [(
            1,
            Frame::Error(ErrorFrame::RateLimited { retry_after_ms: ms }),
        )]
    };
    assert_eq!(b.send(1, batch(&[2, 3])), limited(100));
    // The next message, already in flight, would fit the bucket but must not overtake.
    b.now = 40;
    assert_eq!(b.send(1, publish("group/g", 4, b"d")), limited(60));
    // Liveness frames still pass.
    assert_eq!(
        b.send(1, Frame::Ping { nonce: 1 }),
        [(1, Frame::Pong { nonce: 1 })]
    );
    // At the named time the client's resend, in order, goes through.
    b.now = 100;
    let acks: Vec<_> = b
        .send(1, batch(&[2, 3, 4]))
        .into_iter()
        .map(|(_, f)| match f {
            Frame::Ack { id, seq } => (id.0[0], seq),
            other => panic!("expected acks, got {other:?}"),
        })
        .collect();
    assert_eq!(acks, [(2, 2), (3, 3), (4, 4)]);
}

#[test]
fn a_frame_arriving_after_the_pause_still_waits_for_the_refused_one() {
    // Under load, a frame the client sent before it read the refusal can reach the relay
    // after the pause; it must not be stored before the refused frame comes back.
    let mut b = Bench::new(RelayConfig {
        rate_capacity: 1,
        rate_per_second: 10,
        ..RelayConfig::default()
    });
    b.login(1, 1);
    let limited = |ms| {
        [(
            1,
            Frame::Error(ErrorFrame::RateLimited { retry_after_ms: ms }),
        )]
    };
    assert!(matches!(
        b.send(1, publish("group/g", 1, b"a"))[..],
        [(1, Frame::Ack { seq: 1, .. })]
    ));
    assert_eq!(b.send(1, publish("group/g", 2, b"b")), limited(100));
    // Message 3 was in flight; it arrives after the pause, with tokens to spare.
    b.now = 300;
    assert_eq!(b.send(1, publish("group/g", 3, b"c")), limited(100));
    assert_eq!(b.relay.store().read_after(&t("group/g"), 0, 10).len(), 1);
    // The client's resend starts with the refused message: 2, then 3, in order.
    b.now = 500;
    assert!(matches!(
        b.send(1, publish("group/g", 2, b"b"))[..],
        [(1, Frame::Ack { seq: 2, .. })]
    ));
    b.now = 700;
    assert!(matches!(
        b.send(1, publish("group/g", 3, b"c"))[..],
        [(1, Frame::Ack { seq: 3, .. })]
    ));
    // A client that gave up on its refused message is not held forever: after the grace,
    // writes go through in any order again.
    assert_eq!(b.send(1, publish("group/g", 4, b"d")), limited(100));
    b.now = 850;
    assert_eq!(b.send(1, publish("group/g", 5, b"e")), limited(100));
    b.now = 800 + RESUME_GRACE_MS;
    assert!(matches!(
        b.send(1, publish("group/g", 5, b"e"))[..],
        [(1, Frame::Ack { seq: 4, .. })]
    ));
}

/// Message `id` of `topic` in a batch frame.
fn batch(topic: &str, ids: &[u8]) -> Frame {
    Frame::PublishBatch(
        ids.iter()
            .map(|&id| Publish {
                topic: t(topic),
                id: MessageId([id; 16]),
                payload: vec![id],
            })
            .collect(),
    )
}

#[test]
fn the_resend_after_a_refusal_is_recognized_however_the_client_orders_it() {
    // Two tokens, one more every 100 ms.
    let mut b = Bench::new(RelayConfig {
        rate_capacity: 2,
        rate_per_second: 10,
        ..RelayConfig::default()
    });
    b.login(1, 1);
    let limited = |ms| {
        vec![(
            1,
            Frame::Error(ErrorFrame::RateLimited { retry_after_ms: ms }),
        )]
    };
    let acked = |out: Vec<(u64, Frame)>| -> Vec<u64> {
        out.into_iter()
            .filter_map(|(_, f)| match f {
                Frame::Ack { seq, .. } => Some(seq),
                _ => None,
            })
            .collect()
    };
    // A refused frame whose messages are all stored already (a second resend that lost the
    // race with the acks of the first) leaves nothing to wait for after the pause.
    assert_eq!(acked(b.send(1, batch("group/g", &[1, 2]))), [1, 2]);
    assert_eq!(b.send(1, publish("group/g", 1, b"a")), limited(100));
    b.now = 200;
    assert_eq!(acked(b.send(1, publish("group/g", 3, b"c"))), [3]);
    // A refused frame that starts with a stored message waits for its first new one (4);
    // the resend that carries 4 behind an older message (a retried failure, 9) is the one.
    assert_eq!(b.send(1, batch("group/g", &[3, 4])), limited(100));
    b.now = 400;
    assert_eq!(b.send(1, publish("group/g", 5, b"e")), limited(100));
    b.now = 600;
    assert_eq!(acked(b.send(1, batch("group/g", &[9, 4]))), [4, 5]);
    b.now = 800;
    assert_eq!(acked(b.send(1, publish("group/g", 5, b"e"))), [6]);
    // Key-package frames are never resent: after the pause they do not wait for a publish,
    // and publishes still do.
    b.now = 1_000;
    assert_eq!(acked(b.send(1, batch("group/g", &[6, 7]))), [7, 8]);
    assert_eq!(b.send(1, publish("group/g", 8, b"h")), limited(100));
    b.now = 1_200;
    assert_eq!(
        b.send(
            1,
            Frame::KeyPackageClaim {
                request: 7,
                installation: vec![5]
            }
        ),
        [(1, Frame::Error(ErrorFrame::NoKeyPackage { request: 7 }))]
    );
    assert_eq!(b.send(1, publish("group/g", 10, b"j")), limited(100));
    assert_eq!(acked(b.send(1, publish("group/g", 8, b"h"))), [9]);
}

#[test]
fn a_clock_that_steps_back_does_not_lengthen_a_pause() {
    let mut b = Bench::new(RelayConfig {
        rate_capacity: 1,
        rate_per_second: 10,
        ..RelayConfig::default()
    });
    b.login(1, 1);
    b.now = 10_000;
    assert!(matches!(
        b.send(1, publish("group/g", 1, b"a"))[..],
        [(1, Frame::Ack { .. })]
    ));
    let limited = |ms| {
        vec![(
            1,
            Frame::Error(ErrorFrame::RateLimited { retry_after_ms: ms }),
        )]
    };
    assert_eq!(b.send(1, publish("group/g", 2, b"b")), limited(100));
    // The clock steps back 9 s: the client is still asked for the pause named, not 9.1 s.
    b.now = 1_000;
    assert_eq!(b.send(1, publish("group/g", 2, b"b")), limited(100));
}

#[test]
fn a_refusal_asks_for_at_least_the_minimum_pause() {
    let mut b = Bench::new(RelayConfig {
        rate_capacity: 1,
        rate_per_second: 1_000,
        ..RelayConfig::default()
    });
    b.login(1, 1);
    b.send(1, publish("group/g", 1, b"a"));
    assert_eq!(
        b.send(1, publish("group/g", 2, b"b")),
        [(
            1,
            Frame::Error(ErrorFrame::RateLimited {
                retry_after_ms: 100
            })
        )]
    );
}

#[test]
fn subscriptions_per_connection_are_bounded() {
    let mut b = Bench::new(RelayConfig {
        max_subscriptions: 1,
        ..RelayConfig::default()
    });
    b.login(1, 1);
    assert!(b
        .send(
            1,
            Frame::Subscribe {
                topic: t("group/a"),
                cursor: 0
            }
        )
        .is_empty());
    assert!(b
        .send(
            1,
            Frame::Subscribe {
                topic: t("group/a"),
                cursor: 0
            }
        )
        .is_empty());
    assert_eq!(
        b.send(
            1,
            Frame::Subscribe {
                topic: t("group/b"),
                cursor: 0
            }
        ),
        [(1, Frame::Error(ErrorFrame::TooManySubscriptions { max: 1 }))]
    );
}

#[test]
fn malformed_and_oversized_frames_get_error_frames() {
    let mut b = Bench::new(RelayConfig {
        max_frame_size: 64,
        ..RelayConfig::default()
    });
    b.login(1, 1);
    assert_eq!(
        b.raw(1, &[1, 200, 0]),
        [(1, Frame::Error(ErrorFrame::Malformed))]
    );
    assert_eq!(
        b.raw(1, &[9]),
        [(
            1,
            Frame::Error(ErrorFrame::UnsupportedVersion { supported: 1 })
        )]
    );
    assert_eq!(
        b.raw(1, &[1; 65]),
        [(1, Frame::Error(ErrorFrame::FrameTooLarge { max: 64 }))]
    );
    // Frames only the relay sends are refused too.
    assert_eq!(
        b.send(1, Frame::Welcome),
        [(1, Frame::Error(ErrorFrame::Malformed))]
    );
    // Unknown connections are ignored.
    assert!(b.raw(9, &[1, 10, 1]).is_empty());
}

#[test]
fn key_package_claims_delete_one_time_ones_and_keep_the_last_resort() {
    let mut b = Bench::new(RelayConfig::default());
    b.login(1, 1);
    b.login(2, 2);
    b.send(
        1,
        Frame::KeyPackagePublish {
            one_time: vec![vec![1]],
            last_resort: Some(vec![9]),
        },
    );
    let claim = |b: &mut Bench, request| {
        b.send(
            2,
            Frame::KeyPackageClaim {
                request,
                installation: vec![1; 4],
            },
        )
    };
    assert_eq!(
        claim(&mut b, 1),
        [(
            2,
            Frame::KeyPackage {
                request: 1,
                key_package: vec![1],
                last_resort: false
            }
        )]
    );
    assert_eq!(
        claim(&mut b, 2),
        [(
            2,
            Frame::KeyPackage {
                request: 2,
                key_package: vec![9],
                last_resort: true
            }
        )]
    );
    assert_eq!(
        claim(&mut b, 3),
        [(
            2,
            Frame::KeyPackage {
                request: 3,
                key_package: vec![9],
                last_resort: true
            }
        )]
    );
    assert_eq!(
        b.send(
            2,
            Frame::KeyPackageClaim {
                request: 4,
                installation: vec![5]
            }
        ),
        [(2, Frame::Error(ErrorFrame::NoKeyPackage { request: 4 }))]
    );
}

#[test]
fn prune_applies_retention() {
    let mut b = Bench::new(RelayConfig {
        retention_ms: 100,
        ..RelayConfig::default()
    });
    b.login(1, 1);
    b.send(1, publish("group/g", 1, b"old"));
    b.now = 150;
    b.send(1, publish("group/g", 2, b"new"));
    b.relay.prune(200);
    assert_eq!(
        b.relay.store().read_after(&t("group/g"), 0, 10),
        vec![(2, b"new".to_vec())]
    );
    // A subscriber from the start learns that seq 1 is gone, then gets the rest.
    let sub = |b: &mut Bench, cursor| {
        b.send(
            1,
            Frame::Subscribe {
                topic: t("group/g"),
                cursor,
            },
        )
    };
    assert_eq!(
        sub(&mut b, 0),
        [
            (
                1,
                Frame::Expired {
                    topic: t("group/g"),
                    through: 1
                }
            ),
            (
                1,
                Frame::Deliver {
                    topic: t("group/g"),
                    seq: 2,
                    payload: b"new".to_vec()
                }
            )
        ]
    );
    // Up to date: nothing expired to report.
    assert!(sub(&mut b, 2).is_empty());
    // Everything pruned: the whole range is reported.
    b.relay.prune(1_000);
    assert_eq!(
        sub(&mut b, 0),
        [(
            1,
            Frame::Expired {
                topic: t("group/g"),
                through: 2
            }
        )]
    );
}

// ----- authorization matrix: every attempt is refused -------------------------------------

#[test]
fn authz_nothing_before_authentication() {
    let mut b = Bench::new(RelayConfig::default());
    b.relay.open(ConnId(1), [1; 32], 0);
    assert_eq!(
        b.send(1, publish("group/g", 1, b"x")),
        [(1, unauthorized(None, None))]
    );
    assert_eq!(
        b.send(
            1,
            Frame::Subscribe {
                topic: t("group/g"),
                cursor: 0
            }
        ),
        [(1, unauthorized(None, None))]
    );
    assert_eq!(
        b.send(
            1,
            Frame::KeyPackagePublish {
                one_time: vec![vec![1]],
                last_resort: None
            }
        ),
        [(1, unauthorized(None, None))]
    );
    assert_eq!(
        b.send(
            1,
            Frame::KeyPackageClaim {
                request: 1,
                installation: vec![1]
            }
        ),
        [(1, unauthorized(None, None))]
    );
    assert!(b.relay.store().read_after(&t("group/g"), 0, 10).is_empty());
}

#[test]
fn authz_read_another_inbox() {
    let mut b = Bench::new(RelayConfig::default());
    b.login(1, 0xaa);
    assert_eq!(
        b.send(
            1,
            Frame::Subscribe {
                topic: t("inbox/0xbb"),
                cursor: 0
            }
        ),
        [(1, unauthorized(None, Some("inbox/0xbb")))]
    );
    // One's own inbox is fine, and others may write to it.
    assert!(b
        .send(
            1,
            Frame::Subscribe {
                topic: t("inbox/0xaa"),
                cursor: 0
            }
        )
        .is_empty());
    b.login(2, 0xbb);
    assert_eq!(b.send(2, publish("inbox/0xaa", 1, b"welcome")).len(), 2);
    // Unknown topic families are refused both ways.
    assert_eq!(
        b.send(2, publish("secret", 2, b"x")),
        [(2, unauthorized(Some(2), Some("secret")))]
    );
}

#[test]
fn authz_overwrite_or_steal_someone_elses_key_packages() {
    let mut b = Bench::new(RelayConfig::default());
    b.login(1, 1);
    b.login(2, 2);
    b.send(
        1,
        Frame::KeyPackagePublish {
            one_time: vec![],
            last_resort: Some(vec![1]),
        },
    );
    // Installation 2 publishes: the packages land under its own key, never under 1's.
    b.send(
        2,
        Frame::KeyPackagePublish {
            one_time: vec![vec![66]],
            last_resort: Some(vec![66]),
        },
    );
    assert_eq!(
        b.send(
            1,
            Frame::KeyPackageClaim {
                request: 1,
                installation: vec![1; 4]
            }
        ),
        [(
            1,
            Frame::KeyPackage {
                request: 1,
                key_package: vec![1],
                last_resort: true
            }
        )]
    );
    // A claim never deletes the last-resort package, so nobody can exhaust it.
    for r in 0..5 {
        b.send(
            2,
            Frame::KeyPackageClaim {
                request: r,
                installation: vec![1; 4],
            },
        );
    }
    assert_eq!(
        b.send(
            2,
            Frame::KeyPackageClaim {
                request: 9,
                installation: vec![1; 4]
            }
        ),
        [(
            2,
            Frame::KeyPackage {
                request: 9,
                key_package: vec![1],
                last_resort: true
            }
        )]
    );
}

#[test]
fn authz_forge_a_sender() {
    let mut b = Bench::new(RelayConfig::default());
    b.relay.open(ConnId(1), [7; 32], 0);
    b.send(
        1,
        Frame::Hello {
            installation: vec![0xaa; 4],
        },
    );
    // A signature by another installation, or over another nonce, does not prove 0xaa.
    assert_eq!(
        b.send(
            1,
            Frame::Auth {
                signature: sign(&[0xbb; 4], &[7; 32])
            }
        ),
        [(1, unauthorized(None, None))]
    );
    assert_eq!(
        b.send(1, publish("group/g", 1, b"x")),
        [(1, unauthorized(None, None))]
    );
    // A second Hello cannot swap the installation after the challenge.
    assert_eq!(
        b.send(
            1,
            Frame::Hello {
                installation: vec![0xbb; 4]
            }
        ),
        [(1, unauthorized(None, None))]
    );
}

#[test]
fn authz_replay_an_auth() {
    let mut b = Bench::new(RelayConfig::default());
    b.login(1, 0xaa);
    let stolen = sign(&[0xaa; 4], &[1; 32]);
    // On the same connection: the nonce was consumed.
    assert_eq!(
        b.send(
            1,
            Frame::Auth {
                signature: stolen.clone()
            }
        ),
        [(1, unauthorized(None, None))]
    );
    // On a new connection: a new nonce, so the old signature fails.
    b.relay.open(ConnId(2), [2; 32], 0);
    b.send(
        2,
        Frame::Hello {
            installation: vec![0xaa; 4],
        },
    );
    assert_eq!(
        b.send(2, Frame::Auth { signature: stolen }),
        [(2, unauthorized(None, None))]
    );
    // And a failed attempt burns the nonce: even the right signature is now refused.
    assert_eq!(
        b.send(
            2,
            Frame::Auth {
                signature: sign(&[0xaa; 4], &[2; 32])
            }
        ),
        [(2, unauthorized(None, None))]
    );
}

#[test]
fn closing_forgets_subscriptions() {
    let mut b = Bench::new(RelayConfig::default());
    b.login(1, 1);
    b.login(2, 2);
    b.send(
        2,
        Frame::Subscribe {
            topic: t("group/g"),
            cursor: 0,
        },
    );
    b.relay.close(ConnId(2));
    assert_eq!(b.relay.connection_count(), 1);
    assert_eq!(b.send(1, publish("group/g", 1, b"x")).len(), 1);
}

#[test]
fn pending_auth_names_only_the_expected_auth_frame() {
    let mut b = Bench::new(RelayConfig::default());
    let nonce = [7; 32];
    let auth = enc(Frame::Auth {
        signature: vec![1, 2],
    });
    assert_eq!(b.relay.pending_auth(ConnId(1), &auth), None, "unknown conn");
    b.relay.open(ConnId(1), nonce, 0);
    assert_eq!(b.relay.pending_auth(ConnId(1), &auth), None, "before Hello");
    b.send(
        1,
        Frame::Hello {
            installation: vec![3; 4],
        },
    );
    assert_eq!(
        b.relay.pending_auth(ConnId(1), &auth),
        Some((vec![3; 4], nonce, vec![1, 2]))
    );
    assert_eq!(b.relay.pending_auth(ConnId(1), &enc(Frame::Welcome)), None);
    assert_eq!(b.relay.pending_auth(ConnId(1), &[0xff]), None);
    let signature = sign(&[3; 4], &nonce);
    assert_eq!(b.send(1, Frame::Auth { signature }), [(1, Frame::Welcome)]);
    assert_eq!(
        b.relay.pending_auth(ConnId(1), &auth),
        None,
        "after Welcome"
    );
}

/// The installation id of `Bench::login`'s installation `[who; 4]`.
fn member(who: u8) -> InstallationId {
    installation_id(&[who; 4])
}

fn members_change(add: &[u8], remove: &[u8]) -> Vec<u8> {
    MembershipChange {
        add: add.iter().map(|&w| member(w)).collect(),
        remove: remove.iter().map(|&w| member(w)).collect(),
    }
    .to_payload()
}

#[test]
fn a_group_topic_with_members_takes_only_members() {
    let mut b = Bench::new(RelayConfig::default());
    for who in 1..=3 {
        b.login(u64::from(who), who);
    }
    let topic = "group/0x67";
    // Open until the first change, which makes its sender (1) a member, with 2.
    assert!(matches!(
        b.send(3, publish(topic, 1, b"app"))[..],
        [(3, Frame::Ack { seq: 1, .. })]
    ));
    assert!(matches!(
        b.send(1, publish(topic, 2, &members_change(&[2], &[])))[..],
        [(1, Frame::Ack { seq: 2, .. })]
    ));
    assert_eq!(
        b.relay.store().members(&t(topic)),
        Some(&BTreeSet::from([member(1), member(2)]))
    );
    // 3 is out: no publish, no subscription, no change of the list; 2 is in.
    assert_eq!(
        b.send(3, publish(topic, 3, b"app")),
        [(3, unauthorized(Some(3), Some(topic)))]
    );
    let subscribe = || Frame::Subscribe {
        topic: t(topic),
        cursor: 0,
    };
    assert_eq!(
        b.send(3, subscribe()),
        [(3, unauthorized(None, Some(topic)))]
    );
    assert_eq!(
        b.send(3, publish(topic, 4, &members_change(&[3], &[]))),
        [(3, unauthorized(Some(4), Some(topic)))]
    );
    assert_eq!(b.send(2, subscribe()).len(), 2, "the backlog");
    assert!(matches!(
        b.send(2, publish(topic, 5, b"app"))[..],
        [
            (2, Frame::Ack { seq: 3, .. }),
            (2, Frame::Deliver { seq: 3, .. })
        ]
    ));
    // A malformed change is refused on any group topic, even from a member; inboxes take
    // such bytes as opaque messages.
    let mut bad = members_change(&[3], &[]);
    bad.push(0);
    assert_eq!(
        b.send(1, publish(topic, 6, &bad)),
        [(1, unauthorized(Some(6), Some(topic)))]
    );
    assert_eq!(
        b.send(3, publish("group/0x68", 7, &bad)),
        [(3, unauthorized(Some(7), Some("group/0x68")))]
    );
    assert!(b.relay.store().members(&t("group/0x68")).is_none());
    assert!(matches!(
        b.send(3, publish("inbox/0x01", 8, &bad))[..],
        [(3, Frame::Ack { .. })]
    ));
}

#[test]
fn a_removed_member_is_cut_off_and_cannot_take_an_epoch() {
    let mut b = Bench::new(RelayConfig::default());
    for who in 1..=3 {
        b.login(u64::from(who), who);
    }
    let topic = "group/0x67";
    b.send(1, publish(topic, 1, &members_change(&[2, 3], &[])));
    assert!(matches!(
        b.send(1, publish(topic, 2, b"C\x01g"))[..],
        [(1, Frame::Ack { .. })]
    ));
    let subscribe = Frame::Subscribe {
        topic: t(topic),
        cursor: 2,
    };
    assert!(b.send(3, subscribe).is_empty());
    // 1 removes 3 (with its commit for epoch 2): 3's subscription ends at once.
    let out = b.send(1, publish(topic, 3, &members_change(&[], &[3])));
    assert!(
        out.contains(&(3, unauthorized(None, Some(topic)))),
        "{out:?}"
    );
    assert!(out
        .iter()
        .all(|(to, f)| *to != 3 || !matches!(f, Frame::Deliver { .. })));
    assert!(matches!(
        b.send(1, publish(topic, 4, b"C\x02g"))[..],
        [(1, Frame::Ack { .. })]
    ));
    // 3 knows the group and its epoch, but its made-up commit is refused and the epoch
    // stays where the members are: 2's commit for epoch 3 wins.
    assert_eq!(
        b.send(3, publish(topic, 5, b"C\x03g")),
        [(3, unauthorized(Some(5), Some(topic)))]
    );
    assert_eq!(b.relay.store().epoch(&t(topic)), Some(3));
    assert!(matches!(
        b.send(2, publish(topic, 6, b"C\x03g"))[..],
        [(2, Frame::Ack { .. })]
    ));
    // A member who leaves removes itself.
    b.send(2, publish(topic, 7, &members_change(&[], &[2])));
    assert_eq!(
        b.relay.store().members(&t(topic)),
        Some(&BTreeSet::from([member(1)]))
    );
    // A repeated change (a resend after reconnecting) is acked again, not applied again.
    b.send(1, publish(topic, 8, &members_change(&[2], &[])));
    b.send(1, publish(topic, 9, &members_change(&[], &[2])));
    assert!(matches!(
        b.send(1, publish(topic, 8, &members_change(&[2], &[])))[..],
        [(1, Frame::Ack { .. })]
    ));
    assert_eq!(
        b.relay.store().members(&t(topic)),
        Some(&BTreeSet::from([member(1)]))
    );
}
