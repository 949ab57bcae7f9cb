//! The transport frame decoder on arbitrary bytes: never panics, and whatever decodes
//! re-encodes to bytes that decode to the same frame (and re-encode identically). The same
//! bytes then go to an authenticated client and relay, which must not panic either, and to
//! a relay with the package's own hooks as a wallet binding and as a published payload
//! (binding verification and the MLS header parser on arbitrary bytes), and, behind the
//! membership prefix, to the member-list decoder (what decodes re-encodes to the same
//! bytes) and to a relay as a member-list change of a group topic.
#![no_main]

use hybrid_edge::transport::frame::{decode, DEFAULT_MAX_FRAME_SIZE, MAX_BINDING_LEN};
use hybrid_edge::transport::membership::{MembershipChange, PREFIX};
use hybrid_edge::transport::relay::{
    Classified, Handshake, Identity, MemoryStore, PackageHooks, Relay, RelayConfig, RelayHooks,
};
use hybrid_edge::transport::{
    Client, ClientConfig, ConnId, Frame, MemoryOutbox, MessageId, Publish, Topic,
};
use libfuzzer_sys::fuzz_target;

/// Accepts every signature; treats payloads starting with `C` as commits.
struct AnyHooks;

impl RelayHooks for AnyHooks {
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

    /// `C<epoch><group id…>` is a commit, `M…` a malformed MLS message.
    fn classify(&self, payload: &[u8]) -> Classified {
        match payload {
            [b'C', epoch, group @ ..] => Classified::Message {
                group_id: group.to_vec(),
                handshake: Handshake {
                    epoch: u64::from(*epoch),
                    is_commit: true,
                },
            },
            [b'M', ..] => Classified::Malformed,
            _ => Classified::Opaque,
        }
    }
}

fn encode(frame: &Frame) -> Vec<u8> {
    frame
        .encode(DEFAULT_MAX_FRAME_SIZE)
        .expect("a decoded frame re-encodes")
}

fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = decode(data, DEFAULT_MAX_FRAME_SIZE) {
        let bytes = encode(&frame);
        let again = decode(&bytes, DEFAULT_MAX_FRAME_SIZE).expect("re-encoded bytes decode");
        assert_eq!(again, frame);
        assert_eq!(encode(&again), bytes);
    }

    // An authenticated relay connection receiving these bytes.
    let mut relay = Relay::new(RelayConfig::default(), MemoryStore::new());
    relay.open(ConnId(0), [0; 32], 0);
    let hello = Frame::Hello {
        installation: vec![1],
    };
    relay.handle_frame(ConnId(0), &encode(&hello), 0, &AnyHooks);
    relay.handle_frame(
        ConnId(0),
        &encode(&Frame::Auth { signature: vec![] }),
        0,
        &AnyHooks,
    );
    relay.handle_frame(ConnId(0), data, 1, &AnyHooks);

    // The package's hooks (a valid nonce signature assumed): `data` as a wallet binding…
    let hooks = PackageHooks::new(true);
    let mut relay = Relay::new(RelayConfig::default(), MemoryStore::new());
    relay.open(ConnId(1), [0; 32], 0);
    let bound = Frame::BoundHello {
        installation: vec![1; 32],
        binding: data[..data.len().min(MAX_BINDING_LEN)].to_vec(),
    };
    relay.handle_frame(ConnId(1), &encode(&bound), 0, &hooks);
    let auth = encode(&Frame::Auth { signature: vec![] });
    relay.handle_frame(ConnId(1), &auth, 0, &hooks);
    // …and as a payload published by an authenticated connection (the MLS header parser).
    relay.open(ConnId(2), [0; 32], 0);
    relay.handle_frame(ConnId(2), &encode(&hello), 0, &hooks);
    relay.handle_frame(ConnId(2), &auth, 0, &hooks);
    if data.len() <= DEFAULT_MAX_FRAME_SIZE / 2 {
        // The topic of the group the header names, when it parses, so that the epoch rule
        // is reached; else a group topic no MLS message matches.
        let group = hybrid_edge::mls::peek_header(data).map_or_else(
            |_| "fuzz".to_string(),
            |h| alloy_primitives::hex::encode_prefixed(&h.group_id),
        );
        if let Ok(topic) = Topic::new(&format!("group/{group}")) {
            let publish = Frame::Publish(Publish {
                topic,
                id: MessageId([0; 16]),
                payload: data.to_vec(),
            });
            relay.handle_frame(ConnId(2), &encode(&publish), 1, &hooks);
        }
    }

    // The same bytes as the body of a member-list change, published to a group topic.
    let change = [PREFIX, data].concat();
    if let Some(Ok(decoded)) = MembershipChange::from_payload(&change) {
        assert_eq!(decoded.to_payload(), change);
    }
    if change.len() <= DEFAULT_MAX_FRAME_SIZE / 2 {
        let publish = Frame::Publish(Publish {
            topic: Topic::new("group/members").expect("a valid topic"),
            id: MessageId([1; 16]),
            payload: change,
        });
        relay.handle_frame(ConnId(2), &encode(&publish), 2, &hooks);
    }

    // A connected client receiving them.
    let mut client = Client::new(
        ClientConfig::default(),
        vec![1],
        Box::new(MemoryOutbox::new()),
    )
    .unwrap();
    client.connect(0);
    client.handle_open(ConnId(0), 0);
    client.handle_frame(ConnId(0), &encode(&Frame::Welcome), 0);
    client.handle_frame(ConnId(0), data, 1);
    client.handle_timeout(u64::MAX / 2);
});
