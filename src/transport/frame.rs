//! The wire protocol shared by the client and the relay: one version byte, then one
//! [`Frame`] in [postcard](https://docs.rs/postcard) (varint integers, length-prefixed bytes).
//!
//! Compatibility rule: enum variants and struct fields are only ever appended, never
//! reordered or removed (postcard encodes a variant as its index); anything else bumps
//! [`PROTOCOL_VERSION`].
//!
//! [`decode`] is the only entry point for untrusted bytes: it checks the size before parsing,
//! refuses trailing bytes and then [`Frame::validate`]s protocol limits, so a decoded frame
//! is always within bounds. Allocation is bounded by the frame size.

use serde::{Deserialize, Serialize};

use super::error::TransportError;

/// The protocol version byte that starts every frame.
pub const PROTOCOL_VERSION: u8 = 1;
/// Default maximum size of one frame in bytes (1 MiB), version byte included.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 1 << 20;
/// Most messages one [`Frame::PublishBatch`] may carry.
pub const MAX_BATCH_LEN: usize = 256;
/// Most payload bytes one [`Frame::PublishBatch`] may carry (256 KiB).
pub const MAX_BATCH_BYTES: usize = 256 * 1024;
/// Longest topic name in bytes.
pub const MAX_TOPIC_LEN: usize = 128;
/// Most key packages one [`Frame::KeyPackagePublish`] may carry.
pub const MAX_KEY_PACKAGES: usize = 256;
/// Longest wallet binding a [`Frame::BoundHello`] may carry (a binding of a 65-byte
/// P-256 key is 162 bytes).
pub const MAX_BINDING_LEN: usize = 512;
/// Bytes reserved for the envelope of a [`Frame::Publish`] (version, tag, topic, id,
/// varints): a payload up to `max_frame_size - PUBLISH_OVERHEAD` always fits in one frame.
pub const PUBLISH_OVERHEAD: usize = 1 + 1 + (MAX_TOPIC_LEN + 2) + 16 + 8;

/// A client-chosen idempotency id: the relay stores a message once per id and acknowledges
/// a repeated id again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MessageId(pub [u8; 16]);

/// The name of an ordered log on the relay, for example `group/<hex id>` or
/// `inbox/<address>`: 1 to [`MAX_TOPIC_LEN`] bytes of printable ASCII.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Topic(String);

impl Topic {
    /// Checks and wraps a topic name.
    ///
    /// Returns [`TransportError::InvalidTopic`] if it is empty, longer than
    /// [`MAX_TOPIC_LEN`] or holds anything but printable ASCII.
    pub fn new(name: impl Into<String>) -> Result<Self, TransportError> {
        let topic = Self(name.into());
        topic.check()?;
        Ok(topic)
    }

    /// The topic name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn check(&self) -> Result<(), TransportError> {
        let reason = if self.0.is_empty() {
            "empty"
        } else if self.0.len() > MAX_TOPIC_LEN {
            "longer than 128 bytes"
        } else if !self.0.bytes().all(|b| b.is_ascii_graphic()) {
            "not printable ASCII"
        } else {
            return Ok(());
        };
        Err(TransportError::InvalidTopic { reason })
    }
}

impl std::fmt::Display for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One message to append to a topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publish {
    /// The log to append to.
    pub topic: Topic,
    /// The idempotency id.
    pub id: MessageId,
    /// Opaque bytes (an MLS message once encryption is wired in).
    #[serde(with = "serde_bytes")]
    pub payload: Vec<u8>,
}

/// An error the relay answers with; the connection stays open unless said otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ErrorFrame {
    /// Too many frames: nothing from the rejected frame was stored; send again after
    /// `retry_after_ms`.
    RateLimited {
        /// How long to wait before sending again.
        retry_after_ms: u32,
    },
    /// A commit for an epoch the topic has already left: refetch, reprocess, retry.
    StaleEpoch {
        /// The refused message.
        id: MessageId,
        /// Its topic.
        topic: Topic,
    },
    /// Not allowed: not authenticated, not the owner, or not a reader of the topic.
    Unauthorized {
        /// The refused message, if a publish was refused.
        id: Option<MessageId>,
        /// The refused topic, if a subscription or publish was refused.
        topic: Option<Topic>,
    },
    /// The frame was larger than the relay accepts.
    FrameTooLarge {
        /// The relay's limit in bytes.
        max: u32,
    },
    /// The frame did not decode.
    Malformed,
    /// The relay does not speak the frame's version.
    UnsupportedVersion {
        /// The version the relay speaks.
        supported: u8,
    },
    /// The connection already has the most subscriptions the relay allows.
    TooManySubscriptions {
        /// The relay's limit.
        max: u32,
    },
    /// A key-package claim found nothing to hand out.
    NoKeyPackage {
        /// The claim's request number.
        request: u32,
    },
}

/// Everything that crosses a transport connection. Append-only: see the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Frame {
    /// Client → relay, first frame: who is connecting.
    Hello {
        /// The installation's public signature key.
        #[serde(with = "serde_bytes")]
        installation: Vec<u8>,
    },
    /// Relay → client: sign this to prove control of the installation key.
    Challenge {
        /// Fresh random bytes from the relay.
        nonce: [u8; 32],
    },
    /// Client → relay: the signature over the challenge (opaque here; checked by the relay).
    Auth {
        /// Signature bytes.
        #[serde(with = "serde_bytes")]
        signature: Vec<u8>,
    },
    /// Relay → client: authenticated; subscriptions and publishes may follow.
    Welcome,
    /// Client → relay: send the backlog after `cursor`, then live messages.
    Subscribe {
        /// The log.
        topic: Topic,
        /// The last sequence number already delivered (0: from the start).
        cursor: u64,
    },
    /// Client → relay: stop delivering this topic.
    Unsubscribe {
        /// The log.
        topic: Topic,
    },
    /// Client → relay: append one message.
    Publish(Publish),
    /// Client → relay: append several messages, each acknowledged on its own.
    PublishBatch(Vec<Publish>),
    /// Relay → client: the message with this id is stored at `seq`.
    Ack {
        /// The idempotency id.
        id: MessageId,
        /// Its sequence number in the topic.
        seq: u64,
    },
    /// Relay → client: a message of a subscribed topic.
    Deliver {
        /// The log.
        topic: Topic,
        /// Sequence number, increasing from 1 without gaps.
        seq: u64,
        /// The stored bytes.
        #[serde(with = "serde_bytes")]
        payload: Vec<u8>,
    },
    /// Keep-alive request (either side).
    Ping {
        /// Echoed in the pong.
        nonce: u64,
    },
    /// Keep-alive answer.
    Pong {
        /// The ping's nonce.
        nonce: u64,
    },
    /// Client → relay: a health probe that must go through the relay's processing path
    /// (the Durable Object), unlike a ping that the runtime may answer by itself.
    Probe {
        /// Echoed in the reply.
        nonce: u64,
    },
    /// Relay → client: answer to a [`Frame::Probe`].
    ProbeReply {
        /// The probe's nonce.
        nonce: u64,
    },
    /// Client → relay: publish this installation's key packages.
    KeyPackagePublish {
        /// Key packages handed out once each.
        one_time: Vec<Vec<u8>>,
        /// Handed out when no one-time package is left; never deleted.
        #[serde(with = "serde_bytes")]
        last_resort: Option<Vec<u8>>,
    },
    /// Client → relay: claim one key package of an installation.
    KeyPackageClaim {
        /// Caller-chosen number echoed in the answer.
        request: u32,
        /// The installation whose key package is wanted.
        #[serde(with = "serde_bytes")]
        installation: Vec<u8>,
    },
    /// Relay → client: the claimed key package.
    KeyPackage {
        /// The claim's request number.
        request: u32,
        /// The key package bytes.
        #[serde(with = "serde_bytes")]
        key_package: Vec<u8>,
        /// Whether it is the (reused) last-resort package.
        last_resort: bool,
    },
    /// Relay → client: an error.
    Error(ErrorFrame),
    /// Relay → client, before a backlog: the messages up to `through` are gone (retention),
    /// so the subscription continues after them instead of waiting for them forever.
    Expired {
        /// The log.
        topic: Topic,
        /// The last sequence number that will never be delivered.
        through: u64,
    },
    /// Client → relay, first frame instead of [`Frame::Hello`]: who is connecting and for
    /// which wallet. `binding` is the installation's wallet binding (the `basic` credential
    /// identity of `docs/identity.md`: address, installation key, time and the wallet's
    /// EIP-191 signature); the relay verifies it and reads the connection's address from it.
    BoundHello {
        /// The installation's public signature key (the key the binding names).
        #[serde(with = "serde_bytes")]
        installation: Vec<u8>,
        /// The wallet binding, at most [`MAX_BINDING_LEN`] bytes.
        #[serde(with = "serde_bytes")]
        binding: Vec<u8>,
    },
}

impl Frame {
    /// Checks the protocol limits that the types alone do not express: topic names, batch
    /// length and bytes, and key-package count.
    pub fn validate(&self) -> Result<(), TransportError> {
        let malformed = |reason| Err(TransportError::Malformed { reason });
        match self {
            Frame::Subscribe { topic, .. }
            | Frame::Unsubscribe { topic }
            | Frame::Deliver { topic, .. }
            | Frame::Expired { topic, .. }
            | Frame::Publish(Publish { topic, .. })
            | Frame::Error(ErrorFrame::StaleEpoch { topic, .. })
            | Frame::Error(ErrorFrame::Unauthorized {
                topic: Some(topic), ..
            }) => topic.check(),
            Frame::PublishBatch(batch) => {
                if batch.is_empty() || batch.len() > MAX_BATCH_LEN {
                    return malformed("batch must hold 1 to 256 messages");
                }
                if batch.iter().map(|p| p.payload.len()).sum::<usize>() > MAX_BATCH_BYTES {
                    return malformed("batch payloads exceed 256 KiB");
                }
                batch.iter().try_for_each(|p| p.topic.check())
            }
            Frame::KeyPackagePublish { one_time, .. } if one_time.len() > MAX_KEY_PACKAGES => {
                malformed("more than 256 key packages")
            }
            Frame::BoundHello { binding, .. } if binding.len() > MAX_BINDING_LEN => {
                malformed("wallet binding longer than 512 bytes")
            }
            _ => Ok(()),
        }
    }

    /// Encodes the frame with its version byte.
    ///
    /// Returns [`TransportError::FrameTooLarge`] if the result is longer than `max_size`,
    /// and [`TransportError::Malformed`] if the frame breaks a protocol limit.
    pub fn encode(&self, max_size: usize) -> Result<Vec<u8>, TransportError> {
        self.validate()?;
        let bytes = postcard::to_extend(self, vec![PROTOCOL_VERSION]).map_err(|_| {
            TransportError::Malformed {
                reason: "frame cannot be encoded",
            }
        })?;
        if bytes.len() > max_size {
            return Err(TransportError::FrameTooLarge {
                size: bytes.len(),
                max: max_size,
            });
        }
        Ok(bytes)
    }
}

/// Decodes one frame of untrusted bytes.
///
/// Returns [`TransportError::FrameTooLarge`] (checked first), then
/// [`TransportError::UnsupportedVersion`], then [`TransportError::Malformed`] for bytes that
/// do not decode, trailing bytes or a frame beyond protocol limits. Never panics.
pub fn decode(bytes: &[u8], max_size: usize) -> Result<Frame, TransportError> {
    if bytes.len() > max_size {
        return Err(TransportError::FrameTooLarge {
            size: bytes.len(),
            max: max_size,
        });
    }
    let Some((&version, body)) = bytes.split_first() else {
        return Err(TransportError::Malformed {
            reason: "empty frame",
        });
    };
    if version != PROTOCOL_VERSION {
        return Err(TransportError::UnsupportedVersion {
            found: version,
            supported: PROTOCOL_VERSION,
        });
    }
    let (frame, rest) =
        postcard::take_from_bytes::<Frame>(body).map_err(|_| TransportError::Malformed {
            reason: "bytes do not decode to a frame",
        })?;
    if !rest.is_empty() {
        return Err(TransportError::Malformed {
            reason: "trailing bytes after the frame",
        });
    }
    frame.validate()?;
    Ok(frame)
}

/// The error frame a relay answers an undecodable frame with.
pub fn error_frame_for(err: &TransportError) -> ErrorFrame {
    match err {
        TransportError::FrameTooLarge { max, .. } => ErrorFrame::FrameTooLarge {
            max: u32::try_from(*max).unwrap_or(u32::MAX),
        },
        TransportError::UnsupportedVersion { supported, .. } => ErrorFrame::UnsupportedVersion {
            supported: *supported,
        },
        _ => ErrorFrame::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(name: &str) -> Topic {
        Topic::new(name).unwrap()
    }

    fn publish(n: u8, len: usize) -> Publish {
        Publish {
            topic: topic("group/ab"),
            id: MessageId([n; 16]),
            payload: vec![n; len],
        }
    }

    /// One frame of every kind, so round trips cover the whole enum.
    pub(crate) fn samples() -> Vec<Frame> {
        vec![
            Frame::Hello {
                installation: vec![1; 32],
            },
            Frame::Challenge { nonce: [7; 32] },
            Frame::Auth {
                signature: vec![2; 64],
            },
            Frame::Welcome,
            Frame::Subscribe {
                topic: topic("inbox/0xabc"),
                cursor: 42,
            },
            Frame::Unsubscribe {
                topic: topic("inbox/0xabc"),
            },
            Frame::Publish(publish(1, 10)),
            Frame::PublishBatch(vec![publish(1, 3), publish(2, 0)]),
            Frame::Ack {
                id: MessageId([9; 16]),
                seq: u64::MAX,
            },
            Frame::Deliver {
                topic: topic("group/ab"),
                seq: 300,
                payload: b"hi".to_vec(),
            },
            Frame::Ping { nonce: 5 },
            Frame::Pong { nonce: 5 },
            Frame::Probe { nonce: 6 },
            Frame::ProbeReply { nonce: 6 },
            Frame::KeyPackagePublish {
                one_time: vec![vec![1], vec![2, 3]],
                last_resort: Some(vec![4]),
            },
            Frame::KeyPackageClaim {
                request: 3,
                installation: vec![1; 32],
            },
            Frame::KeyPackage {
                request: 3,
                key_package: vec![5; 10],
                last_resort: true,
            },
            Frame::Error(ErrorFrame::RateLimited {
                retry_after_ms: 1500,
            }),
            Frame::Error(ErrorFrame::StaleEpoch {
                id: MessageId([3; 16]),
                topic: topic("group/ab"),
            }),
            Frame::Error(ErrorFrame::Unauthorized {
                id: None,
                topic: Some(topic("inbox/x")),
            }),
            Frame::Error(ErrorFrame::FrameTooLarge { max: 1 << 20 }),
            Frame::Error(ErrorFrame::Malformed),
            Frame::Error(ErrorFrame::UnsupportedVersion { supported: 1 }),
            Frame::Error(ErrorFrame::TooManySubscriptions { max: 100 }),
            Frame::Error(ErrorFrame::NoKeyPackage { request: 3 }),
            Frame::Expired {
                topic: topic("group/ab"),
                through: 9,
            },
            Frame::BoundHello {
                installation: vec![1; 32],
                binding: vec![3; 129],
            },
        ]
    }

    #[test]
    fn every_frame_round_trips() {
        for frame in samples() {
            let bytes = frame.encode(DEFAULT_MAX_FRAME_SIZE).unwrap();
            assert_eq!(bytes[0], PROTOCOL_VERSION);
            assert_eq!(decode(&bytes, DEFAULT_MAX_FRAME_SIZE), Ok(frame));
        }
    }

    #[test]
    fn encoding_is_compact() {
        // version, tag, varint nonce: a ping costs 3 bytes on the wire.
        assert_eq!(
            Frame::Ping { nonce: 5 }
                .encode(DEFAULT_MAX_FRAME_SIZE)
                .unwrap(),
            [1, 10, 5]
        );
        let publish = Frame::Publish(publish(1, 10))
            .encode(DEFAULT_MAX_FRAME_SIZE)
            .unwrap();
        // version + tag + (len + 8 topic bytes) + 16 id + (len + 10 payload)
        assert_eq!(publish.len(), 1 + 1 + 9 + 16 + 11);
    }

    #[test]
    fn oversized_frames_are_refused_before_parsing() {
        let bytes = vec![PROTOCOL_VERSION; 101];
        assert_eq!(
            decode(&bytes, 100),
            Err(TransportError::FrameTooLarge {
                size: 101,
                max: 100
            })
        );
        let big = Frame::Publish(publish(1, 200));
        assert!(matches!(
            big.encode(100),
            Err(TransportError::FrameTooLarge { max: 100, .. })
        ));
    }

    #[test]
    fn a_payload_of_max_minus_overhead_fits() {
        let max = 4096;
        let mut p = publish(1, max - PUBLISH_OVERHEAD);
        p.topic = Topic::new("t".repeat(MAX_TOPIC_LEN)).unwrap();
        assert!(Frame::Publish(p).encode(max).is_ok());
    }

    #[test]
    fn wrong_version_empty_and_trailing_bytes_are_refused() {
        assert_eq!(
            decode(&[2, 10, 5], 100),
            Err(TransportError::UnsupportedVersion {
                found: 2,
                supported: 1
            })
        );
        assert!(matches!(
            decode(&[], 100),
            Err(TransportError::Malformed { .. })
        ));
        assert!(matches!(
            decode(&[1, 10, 5, 0], 100),
            Err(TransportError::Malformed { .. })
        ));
        // Unknown variant tag.
        assert!(matches!(
            decode(&[1, 200], 100),
            Err(TransportError::Malformed { .. })
        ));
    }

    #[test]
    fn hostile_lengths_do_not_allocate_or_panic() {
        // PublishBatch claiming u32::MAX entries, then nothing.
        let bytes = [1, 7, 0xff, 0xff, 0xff, 0xff, 0x0f];
        assert!(matches!(
            decode(&bytes, 100),
            Err(TransportError::Malformed { .. })
        ));
        // Hello with a payload length of 2^63.
        let bytes = [1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
        assert!(decode(&bytes, 100).is_err());
        // Every prefix of every valid frame fails cleanly.
        for frame in samples() {
            let bytes = frame.encode(DEFAULT_MAX_FRAME_SIZE).unwrap();
            for cut in 0..bytes.len() {
                assert!(decode(&bytes[..cut], DEFAULT_MAX_FRAME_SIZE).is_err());
            }
        }
    }

    #[test]
    fn protocol_limits_are_enforced_on_decode() {
        let empty_batch = postcard::to_extend(&Frame::PublishBatch(vec![]), vec![1]).unwrap();
        assert!(matches!(
            decode(&empty_batch, DEFAULT_MAX_FRAME_SIZE),
            Err(TransportError::Malformed { .. })
        ));
        let too_many = Frame::PublishBatch((0..=MAX_BATCH_LEN).map(|_| publish(1, 0)).collect());
        let bytes = postcard::to_extend(&too_many, vec![1]).unwrap();
        assert!(decode(&bytes, DEFAULT_MAX_FRAME_SIZE).is_err());
        let too_big = Frame::PublishBatch(vec![publish(1, MAX_BATCH_BYTES), publish(2, 1)]);
        let bytes = postcard::to_extend(&too_big, vec![1]).unwrap();
        assert!(decode(&bytes, DEFAULT_MAX_FRAME_SIZE).is_err());
        let bad_topic = Frame::Subscribe {
            topic: Topic("bad topic".into()),
            cursor: 0,
        };
        let bytes = postcard::to_extend(&bad_topic, vec![1]).unwrap();
        assert_eq!(
            decode(&bytes, DEFAULT_MAX_FRAME_SIZE),
            Err(TransportError::InvalidTopic {
                reason: "not printable ASCII"
            })
        );
    }

    #[test]
    fn fuzz_seeds_are_valid_frames() {
        let seeds: [&[u8]; 4] = [
            include_bytes!("../../fuzz/corpus/transport_frame/seed-publish"),
            include_bytes!("../../fuzz/corpus/transport_frame/seed-batch"),
            include_bytes!("../../fuzz/corpus/transport_frame/seed-error-stale"),
            include_bytes!("../../fuzz/corpus/transport_frame/seed-keypackages"),
        ];
        for seed in seeds {
            let frame = decode(seed, DEFAULT_MAX_FRAME_SIZE).unwrap();
            assert_eq!(frame.encode(DEFAULT_MAX_FRAME_SIZE).unwrap(), seed);
        }
    }

    #[test]
    fn bound_hello_is_appended_and_bounded() {
        // Tag 19, after `Expired`: older frames keep their bytes.
        let bytes = Frame::BoundHello {
            installation: vec![1],
            binding: vec![2, 3],
        }
        .encode(DEFAULT_MAX_FRAME_SIZE)
        .unwrap();
        assert_eq!(bytes, [1, 19, 1, 1, 2, 2, 3]);
        let long = Frame::BoundHello {
            installation: vec![1; 32],
            binding: vec![0; MAX_BINDING_LEN + 1],
        };
        let bytes = postcard::to_extend(&long, vec![1]).unwrap();
        assert!(matches!(
            decode(&bytes, DEFAULT_MAX_FRAME_SIZE),
            Err(TransportError::Malformed { .. })
        ));
    }

    #[test]
    fn topic_names_are_checked() {
        assert!(Topic::new("group/00ff").is_ok());
        assert!(Topic::new("").is_err());
        assert!(Topic::new("a b").is_err());
        assert!(Topic::new("é").is_err());
        assert!(Topic::new("x".repeat(MAX_TOPIC_LEN + 1)).is_err());
        assert!(Topic::new("x".repeat(MAX_TOPIC_LEN)).is_ok());
    }

    #[test]
    fn relay_error_frames_mirror_decode_errors() {
        assert_eq!(
            error_frame_for(&TransportError::FrameTooLarge { size: 9, max: 8 }),
            ErrorFrame::FrameTooLarge { max: 8 }
        );
        assert_eq!(
            error_frame_for(&TransportError::UnsupportedVersion {
                found: 9,
                supported: 1
            }),
            ErrorFrame::UnsupportedVersion { supported: 1 }
        );
        assert_eq!(
            error_frame_for(&TransportError::Malformed { reason: "" }),
            ErrorFrame::Malformed
        );
    }
}
