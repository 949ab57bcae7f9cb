//! The relay's sans-IO logic, for the Worker's Durable Object to call through wasm: topic
//! logs with increasing seqs, idempotent writes, subscriptions with a cursor (backlog, then
//! live), a per-connection token bucket, the commit-per-epoch rule, the key-package
//! directory and authentication by a signed nonce.
//!
//! The embedder supplies randomness (the nonce in [`Relay::open`]), time, storage
//! ([`RelayStore`]) and the two checks that need other capabilities ([`RelayHooks`]: the
//! signature / wallet-binding check and the MLS header parser), then carries the returned
//! [`RelayOutput`]s to the sockets. Nothing from a client can make it panic: every frame is
//! decoded with limits and refused with an error frame.

mod hooks;
mod journal;
mod rules;
mod store;

use std::collections::{BTreeMap, BTreeSet};

pub use hooks::PackageHooks;
pub use journal::{Change, JournalStore};
pub use rules::{
    accept_commit, group_matches, may_publish, may_read, Classified, Handshake, Identity,
    TokenBucket, TopicKind,
};
pub use store::{Appended, MemoryStore, RelayStore};

use super::event::ConnId;
use super::frame::{self, ErrorFrame, Frame, MessageId, Publish, Topic, DEFAULT_MAX_FRAME_SIZE};
use super::membership::{installation_id, InstallationId, MembershipChange};

/// The relay's limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayConfig {
    /// Largest frame accepted (1 MiB).
    pub max_frame_size: usize,
    /// Most subscriptions per connection (100).
    pub max_subscriptions: usize,
    /// Token-bucket size: frames (or batched messages) at once (200).
    pub rate_capacity: u32,
    /// Token-bucket refill per second (100).
    pub rate_per_second: u32,
    /// How long messages are kept (30 days), applied by [`Relay::prune`].
    pub retention_ms: u64,
    /// Refuse connections that present no wallet binding (a plain [`Frame::Hello`]), so
    /// that every connection has a verified address (false: they are authenticated by
    /// their key alone and read no inbox).
    pub require_binding: bool,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            max_subscriptions: 100,
            rate_capacity: 200,
            rate_per_second: 100,
            retention_ms: 30 * 24 * 3600 * 1000,
            require_binding: false,
        }
    }
}

/// The checks the relay delegates to the rest of the package.
pub trait RelayHooks {
    /// Checks `signature` over `nonce` by `installation`, and the installation's wallet
    /// `binding` when the connection presented one ([`Frame::BoundHello`]); returns the
    /// proven identity (its address read from the verified binding), or `None` to refuse.
    fn verify(
        &self,
        installation: &[u8],
        nonce: &[u8; 32],
        signature: &[u8],
        binding: Option<&[u8]>,
    ) -> Option<Identity>;
    /// Reads the clear MLS framing header of a payload: [`Classified::Message`] for an MLS
    /// group message (its group id is checked against a `group/<id>` topic, its epoch
    /// orders commits), [`Classified::Malformed`] for a group message whose framing does not
    /// parse (refused on `group/` topics), [`Classified::Opaque`] for anything else (stored
    /// without ordering rules).
    fn classify(&self, payload: &[u8]) -> Classified;
}

/// An action for the embedder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayOutput {
    /// Send a binary message on this socket.
    Send {
        /// The socket.
        conn: ConnId,
        /// The encoded frame.
        bytes: Vec<u8>,
    },
}

#[derive(Debug)]
struct Connection {
    /// The challenge, consumed by the first `Auth` (a replayed auth finds none).
    nonce: Option<[u8; 32]>,
    installation: Option<Vec<u8>>,
    /// The wallet binding of a [`Frame::BoundHello`].
    binding: Option<Vec<u8>>,
    identity: Option<Identity>,
    /// The id of the proven installation key, which group member lists name (hashed once,
    /// at authentication).
    member_id: Option<InstallationId>,
    subscriptions: BTreeSet<Topic>,
    bucket: TokenBucket,
    /// Writes are refused until then (ms), after a refusal; see `on_frame`.
    limited_until: u64,
    /// The pause that refusal named: what is left of it is never more (a clock that steps
    /// back must not turn it into hours).
    pause_ms: u32,
    /// After a refused publish: the id of its first message the relay does not hold yet.
    /// The client resends its unacknowledged messages, oldest first, so until a publish
    /// carrying that id comes back every publish is refused; see `on_frame`.
    resume_from: Option<MessageId>,
}

/// How long after a pause the relay waits for the refused publish to come back before it
/// accepts writes in any order again (a client that gave up on that message).
const RESUME_GRACE_MS: u64 = 5_000;

/// Whether a connection with installation `member` is outside a group topic's member list
/// (a topic without a list has no outsiders).
fn outsider<S: RelayStore>(store: &S, topic: &Topic, member: Option<InstallationId>) -> bool {
    store
        .members(topic)
        .is_some_and(|m| !member.is_some_and(|id| m.contains(&id)))
}

/// The messages a frame publishes (none for any other frame).
fn published(frame: &Frame) -> &[Publish] {
    match frame {
        Frame::Publish(publish) => std::slice::from_ref(publish),
        Frame::PublishBatch(batch) => batch,
        _ => &[],
    }
}

/// The shortest pause a rate-limit refusal asks for: long enough for the frames a client
/// sent before it read the refusal to reach the relay (and be refused) within it.
const MIN_RATE_LIMIT_PAUSE_MS: u32 = 100;

/// The relay state of one Durable Object (one or more topics).
#[derive(Debug)]
pub struct Relay<S> {
    config: RelayConfig,
    store: S,
    connections: BTreeMap<ConnId, Connection>,
    subscribers: BTreeMap<Topic, BTreeSet<ConnId>>,
}

impl<S: RelayStore> Relay<S> {
    /// A relay over `store` (whose logs survive a restart of the relay).
    pub fn new(config: RelayConfig, store: S) -> Self {
        Self {
            config,
            store,
            connections: BTreeMap::new(),
            subscribers: BTreeMap::new(),
        }
    }

    /// The storage, to hand to the next incarnation after a restart.
    pub fn into_store(self) -> S {
        self.store
    }

    /// The storage.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The storage, to restore it or take its changes.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// If `bytes` are the `Auth` frame that `conn` is expected to send next, the
    /// (installation, nonce, signature) to check, so that an embedder whose signature check
    /// is asynchronous can run it before [`Relay::handle_frame`] and answer
    /// [`RelayHooks::verify`] from the result. `None` for any other frame or state.
    pub fn pending_auth(&self, conn: ConnId, bytes: &[u8]) -> Option<(Vec<u8>, [u8; 32], Vec<u8>)> {
        let c = self.connections.get(&conn)?;
        // Only an Auth after the challenge is worth decoding here (the core decodes every
        // frame again in `handle_frame`).
        if c.identity.is_some() || c.nonce.is_none() || c.installation.is_none() {
            return None;
        }
        match frame::decode(bytes, self.config.max_frame_size) {
            Ok(Frame::Auth { signature }) => Some((c.installation.clone()?, c.nonce?, signature)),
            _ => None,
        }
    }

    /// Open connections.
    pub fn connection_count(&self) -> usize {
        self.connections.len()
    }

    /// A socket was accepted; `nonce` is fresh randomness it will have to sign.
    pub fn open(&mut self, conn: ConnId, nonce: [u8; 32], now: u64) {
        self.connections.insert(
            conn,
            Connection {
                nonce: Some(nonce),
                installation: None,
                binding: None,
                identity: None,
                member_id: None,
                subscriptions: BTreeSet::new(),
                bucket: TokenBucket::new(
                    self.config.rate_capacity,
                    self.config.rate_per_second,
                    now,
                ),
                limited_until: 0,
                pause_ms: 0,
                resume_from: None,
            },
        );
    }

    /// A socket closed.
    pub fn close(&mut self, conn: ConnId) {
        if let Some(c) = self.connections.remove(&conn) {
            for topic in c.subscriptions {
                if let Some(set) = self.subscribers.get_mut(&topic) {
                    set.remove(&conn);
                    if set.is_empty() {
                        self.subscribers.remove(&topic);
                    }
                }
            }
        }
    }

    /// Applies retention: drops messages older than `retention_ms` before `now`.
    pub fn prune(&mut self, now: u64) {
        self.store
            .prune(now.saturating_sub(self.config.retention_ms));
    }

    /// Handles one binary message from `conn`; returns what to send where.
    pub fn handle_frame(
        &mut self,
        conn: ConnId,
        bytes: &[u8],
        now: u64,
        hooks: &dyn RelayHooks,
    ) -> Vec<RelayOutput> {
        let mut out = Outputs::default();
        if self.connections.contains_key(&conn) {
            match frame::decode(bytes, self.config.max_frame_size) {
                Ok(frame) => self.on_frame(conn, frame, now, hooks, &mut out),
                Err(err) => out.send(conn, &Frame::Error(frame::error_frame_for(&err))),
            }
        }
        out.0
    }

    fn on_frame(
        &mut self,
        conn: ConnId,
        frame: Frame,
        now: u64,
        hooks: &dyn RelayHooks,
        out: &mut Outputs,
    ) {
        let Some(c) = self.connections.get_mut(&conn) else {
            return;
        };
        // Cheap liveness frames are answered whatever the state and the rate limit.
        match frame {
            Frame::Ping { nonce } => return out.send(conn, &Frame::Pong { nonce }),
            Frame::Probe { nonce } => return out.send(conn, &Frame::ProbeReply { nonce }),
            Frame::Pong { .. } => return,
            _ => {}
        }
        // The bucket meters writes and claims. Handshake and subscription frames are bounded
        // otherwise (one auth per nonce, `max_subscriptions`), and refusing them would leave
        // a client silently without its subscription.
        let cost = match &frame {
            Frame::PublishBatch(batch) => Some(u32::try_from(batch.len()).unwrap_or(u32::MAX)),
            Frame::Publish(_) | Frame::KeyPackagePublish { .. } | Frame::KeyPackageClaim { .. } => {
                Some(1)
            }
            _ => None,
        };
        // Once a write is refused, every write of the connection is refused until the time
        // the refusal named (without spending tokens): the client resends the refused frame
        // and everything after it only then, so a write already in flight behind a refused
        // one cannot overtake it, and the topic keeps the sender's order.
        // A time alone does not hold the order: a frame the client sent before it read the
        // refusal can arrive after the pause (a loaded machine, a slow link). So after a
        // refused publish, publishes stay refused until one carries the refused frame's
        // first message the relay does not hold (the client resends every unacknowledged
        // message, oldest first, and only that resend carries it), or the grace after the
        // pause is over. Key-package frames are never resent, so they do not wait for it.
        let messages = published(&frame);
        let store = &self.store;
        let metered = cost.map(|cost| {
            if let Some(left) = c.limited_until.checked_sub(now).filter(|&left| left > 0) {
                return Err(u32::try_from(left).unwrap_or(u32::MAX).min(c.pause_ms));
            }
            if let (Some(expected), false) = (c.resume_from, messages.is_empty()) {
                let grace_over = now >= c.limited_until.saturating_add(RESUME_GRACE_MS);
                if !grace_over && !messages.iter().any(|p| p.id == expected) {
                    return Err(MIN_RATE_LIMIT_PAUSE_MS);
                }
                c.resume_from = None;
            }
            c.bucket.take(cost, now).map_err(|wait| {
                let wait = wait.max(MIN_RATE_LIMIT_PAUSE_MS);
                c.limited_until = now.saturating_add(u64::from(wait));
                c.pause_ms = wait;
                c.resume_from = messages
                    .iter()
                    .find(|p| store.seq_of(&p.topic, &p.id).is_none())
                    .map(|p| p.id);
                wait
            })
        });
        if let Some(Err(retry_after_ms)) = metered {
            return out.send(
                conn,
                &Frame::Error(ErrorFrame::RateLimited { retry_after_ms }),
            );
        }
        let unauthorized = Frame::Error(ErrorFrame::Unauthorized {
            id: None,
            topic: None,
        });
        match frame {
            Frame::Hello { .. } if self.config.require_binding && c.installation.is_none() => {
                // No challenge: the connection can never authenticate.
                c.nonce = None;
                out.send(conn, &unauthorized);
            }
            Frame::Hello { installation } if c.installation.is_none() => {
                challenge(c, conn, installation, None, out);
            }
            Frame::BoundHello {
                installation,
                binding,
            } if c.installation.is_none() => {
                challenge(c, conn, installation, Some(binding), out);
            }
            Frame::Auth { signature } => {
                let proven = match (c.nonce.take(), &c.installation, &c.identity) {
                    (Some(nonce), Some(installation), None) => {
                        hooks.verify(installation, &nonce, &signature, c.binding.as_deref())
                    }
                    _ => None,
                };
                match proven {
                    Some(identity) => {
                        c.member_id = Some(installation_id(&identity.installation));
                        c.identity = Some(identity);
                        out.send(conn, &Frame::Welcome);
                    }
                    None => out.send(conn, &unauthorized),
                }
            }
            _ if c.identity.is_none() => out.send(conn, &unauthorized),
            Frame::Subscribe { topic, cursor } => self.subscribe(conn, topic, cursor, out),
            Frame::Unsubscribe { topic } => {
                c.subscriptions.remove(&topic);
                if let Some(set) = self.subscribers.get_mut(&topic) {
                    set.remove(&conn);
                    if set.is_empty() {
                        self.subscribers.remove(&topic);
                    }
                }
            }
            Frame::Publish(publish) => self.publish(conn, publish, now, hooks, out),
            Frame::PublishBatch(batch) => {
                for publish in batch {
                    self.publish(conn, publish, now, hooks, out);
                }
            }
            Frame::KeyPackagePublish {
                one_time,
                last_resort,
            } => {
                // Only ever under the sender's own installation: no one else's can be touched.
                if let Some(owner) = c.identity.as_ref().map(|i| i.installation.clone()) {
                    self.store.put_key_packages(&owner, one_time, last_resort);
                }
            }
            Frame::KeyPackageClaim {
                request,
                installation,
            } => match self.store.claim_key_package(&installation) {
                Some((key_package, last_resort)) => out.send(
                    conn,
                    &Frame::KeyPackage {
                        request,
                        key_package,
                        last_resort,
                    },
                ),
                None => out.send(conn, &Frame::Error(ErrorFrame::NoKeyPackage { request })),
            },
            // A second Hello, or frames only the relay sends.
            _ => out.send(conn, &Frame::Error(ErrorFrame::Malformed)),
        }
    }

    fn subscribe(&mut self, conn: ConnId, topic: Topic, cursor: u64, out: &mut Outputs) {
        let Some(c) = self.connections.get_mut(&conn) else {
            return;
        };
        if !may_read(c.identity.as_ref(), &topic) || outsider(&self.store, &topic, c.member_id) {
            let refusal = ErrorFrame::Unauthorized {
                id: None,
                topic: Some(topic),
            };
            return out.send(conn, &Frame::Error(refusal));
        }
        if !c.subscriptions.contains(&topic)
            && c.subscriptions.len() >= self.config.max_subscriptions
        {
            let max = u32::try_from(self.config.max_subscriptions).unwrap_or(u32::MAX);
            return out.send(
                conn,
                &Frame::Error(ErrorFrame::TooManySubscriptions { max }),
            );
        }
        c.subscriptions.insert(topic.clone());
        self.subscribers
            .entry(topic.clone())
            .or_default()
            .insert(conn);
        // Tell the client about messages it can never get (retention), so it does not wait.
        let next = self
            .store
            .read_after(&topic, cursor, 1)
            .first()
            .map(|(seq, _)| *seq);
        let gone_through = match next {
            Some(seq) => seq.saturating_sub(1),
            None => self.store.head(&topic),
        };
        if gone_through > cursor {
            let expired = Frame::Expired {
                topic: topic.clone(),
                through: gone_through,
            };
            out.send(conn, &expired);
        }
        // The backlog goes out in pages before any live message (this call is atomic).
        const PAGE: usize = 512;
        let mut after = cursor;
        loop {
            let page = self.store.read_after(&topic, after, PAGE);
            let full = page.len() == PAGE;
            for (seq, payload) in page {
                after = seq;
                out.send(
                    conn,
                    &Frame::Deliver {
                        topic: topic.clone(),
                        seq,
                        payload,
                    },
                );
            }
            if !full {
                break;
            }
        }
    }

    /// Ends the subscriptions to `topic` of connections whose installation was removed
    /// from its members, telling each.
    fn evict(&mut self, topic: &Topic, removed: &[InstallationId], out: &mut Outputs) {
        if removed.is_empty() {
            return;
        }
        let Some(subscribers) = self.subscribers.get_mut(topic) else {
            return;
        };
        let connections = &mut self.connections;
        subscribers.retain(|conn| {
            let Some(c) = connections.get_mut(conn) else {
                return true;
            };
            let gone = c.member_id.is_some_and(|id| removed.contains(&id));
            if gone {
                c.subscriptions.remove(topic);
                let refusal = ErrorFrame::Unauthorized {
                    id: None,
                    topic: Some(topic.clone()),
                };
                out.send(*conn, &Frame::Error(refusal));
            }
            !gone
        });
        if subscribers.is_empty() {
            self.subscribers.remove(topic);
        }
    }

    fn publish(
        &mut self,
        conn: ConnId,
        p: Publish,
        now: u64,
        hooks: &dyn RelayHooks,
        out: &mut Outputs,
    ) {
        let c = self.connections.get(&conn);
        let who = c.and_then(|c| c.identity.as_ref());
        let me = c.and_then(|c| c.member_id);
        if !may_publish(who, &p.topic) {
            let refusal = ErrorFrame::Unauthorized {
                id: Some(p.id),
                topic: Some(p.topic),
            };
            return out.send(conn, &Frame::Error(refusal));
        }
        // A repeated id is acknowledged again and stored once, whatever its content says.
        if let Some(seq) = self.store.seq_of(&p.topic, &p.id) {
            return out.send(conn, &Frame::Ack { id: p.id, seq });
        }
        let refuse = |p: Publish| {
            Frame::Error(ErrorFrame::Unauthorized {
                id: Some(p.id),
                topic: Some(p.topic),
            })
        };
        let group = match TopicKind::of(&p.topic) {
            Some(TopicKind::Group(id)) => Some(id),
            _ => None,
        };
        // A group topic with a member list takes writes only from its members, and a change
        // of that list only from a member (the first change makes its sender the first).
        let mut change = None;
        if group.is_some() {
            let outsider = outsider(&self.store, &p.topic, me);
            change = match MembershipChange::from_payload(&p.payload) {
                _ if outsider => return out.send(conn, &refuse(p)),
                Some(Err(_)) => return out.send(conn, &refuse(p)),
                Some(Ok(change)) => Some(change),
                None => None,
            };
        }
        let membership = change.is_some();
        if let (Some(change), Some(me)) = (change, me) {
            let mut members = self
                .store
                .members(&p.topic)
                .cloned()
                .unwrap_or_else(|| BTreeSet::from([me]));
            members.extend(change.add);
            for gone in &change.remove {
                members.remove(gone);
            }
            self.store.set_members(&p.topic, members);
            self.evict(&p.topic, &change.remove, out);
        }
        // On `group/<id>` an MLS message must be of group `<id>`, and bytes that announce
        // an MLS message must parse: otherwise a commit could escape the epoch rule of its
        // own group's log, or land in another group's.
        let handshake = match hooks.classify(&p.payload) {
            _ if membership => None,
            Classified::Opaque => None,
            Classified::Malformed if group.is_some() => return out.send(conn, &refuse(p)),
            Classified::Malformed => None,
            Classified::Message { group_id, .. }
                if group.is_some_and(|id| !group_matches(id, &group_id)) =>
            {
                return out.send(conn, &refuse(p));
            }
            Classified::Message { handshake, .. } => Some(handshake),
        };
        if let Some(handshake) = handshake {
            let current = self.store.epoch(&p.topic);
            match accept_commit(current, handshake) {
                Ok(next) => {
                    if let Some(epoch) = next.filter(|e| Some(*e) != current) {
                        self.store.set_epoch(&p.topic, epoch);
                    }
                }
                Err(()) => {
                    let refusal = ErrorFrame::StaleEpoch {
                        id: p.id,
                        topic: p.topic,
                    };
                    return out.send(conn, &Frame::Error(refusal));
                }
            }
        }
        let appended = self.store.append_once(&p.topic, p.id, &p.payload, now);
        out.send(
            conn,
            &Frame::Ack {
                id: p.id,
                seq: appended.seq,
            },
        );
        if appended.fresh {
            let deliver = Frame::Deliver {
                topic: p.topic.clone(),
                seq: appended.seq,
                payload: p.payload,
            };
            if let Ok(bytes) = deliver.encode(usize::MAX) {
                for &to in self.subscribers.get(&p.topic).into_iter().flatten() {
                    out.0.push(RelayOutput::Send {
                        conn: to,
                        bytes: bytes.clone(),
                    });
                }
            }
        }
    }
}

/// A first `Hello`/`BoundHello`: keeps the installation (and its wallet binding) and sends
/// the challenge, or refuses when the nonce is gone.
fn challenge(
    c: &mut Connection,
    conn: ConnId,
    installation: Vec<u8>,
    binding: Option<Vec<u8>>,
    out: &mut Outputs,
) {
    c.installation = Some(installation);
    c.binding = binding;
    match c.nonce {
        Some(nonce) => out.send(conn, &Frame::Challenge { nonce }),
        None => out.send(
            conn,
            &Frame::Error(ErrorFrame::Unauthorized {
                id: None,
                topic: None,
            }),
        ),
    }
}

#[derive(Default)]
struct Outputs(Vec<RelayOutput>);

impl Outputs {
    /// Frames built by the relay are within limits (payloads were already checked on the
    /// way in), so encoding cannot fail; `usize::MAX` skips the size check.
    fn send(&mut self, conn: ConnId, frame: &Frame) {
        if let Ok(bytes) = frame.encode(usize::MAX) {
            self.0.push(RelayOutput::Send { conn, bytes });
        }
    }
}

#[cfg(test)]
mod package_tests;
#[cfg(test)]
pub(crate) mod tests;
