use alloy_primitives::keccak256;
use std::collections::BTreeMap;

use openmls::prelude::{
    tls_codec::DeserializeBytes, BasicCredential, Capabilities, CredentialType, CredentialWithKey,
    Extension, ExtensionType, Extensions, GroupContext, GroupId, KeyPackage, Lifetime, MlsGroup,
    MlsGroupJoinConfig, MlsMessageBodyIn, MlsMessageIn, MlsMessageOut, ProtocolVersion,
    StagedWelcome, UnknownExtension, MIXED_CIPHERTEXT_WIRE_FORMAT_POLICY,
};
use openmls_basic_credential::SignatureKeyPair;
use openmls_traits::{types::SignatureScheme, OpenMlsProvider};
use serde::{Deserialize, Serialize};

use super::ciphersuite::Suite;
use super::config::ClientConfig;
use super::convert::{self, hex};
use super::error::MlsError;
use super::event::{CommitOutput, Event};
use super::identity::{trusted_identity, Identity, MemberIdentity};
use super::provider::Provider;
use super::recent::Recent;
use crate::storage::{ChangeSet, MlsStore};

/// The client's own record: identity and settings.
const CLIENT_KEY: &[u8] = b"hybrid-edge/mls/client";
/// Prefix of the per-group records of hybrid-edge (openmls keeps the group state itself).
const GROUP_PREFIX: &[u8] = b"hybrid-edge/mls/group/";
/// Group context extension marking a DM (private-use range of RFC 9420's registry).
pub(crate) const DM_EXTENSION: u16 = 0xF0D1;
/// Key packages and leaves are valid from an hour before `now`, against clock skew (mls-rs
/// refuses a lifetime that starts after its current time).
const LIFETIME_MARGIN: u64 = 60 * 60;

#[derive(Serialize, Deserialize)]
struct ClientRecord {
    config: ClientConfig,
    /// The basic credential's identity bytes (the wallet binding).
    credential: Vec<u8>,
    installation_key: Vec<u8>,
}

#[derive(Serialize, Deserialize, Clone, Copy)]
pub(crate) struct GroupRecord {
    /// When this client last committed a self-update (or joined), Unix seconds.
    pub last_rotation: u64,
}

/// One group as this client sees it.
#[derive(Debug)]
pub(crate) struct Group {
    pub mls: MlsGroup,
    pub last_rotation: u64,
    /// Recent application-message senders (not persisted).
    pub senders: super::verify::SenderCache,
    /// Keccak-256 of this client's recent commits and proposals, so that their echoes from
    /// the relay are [`Event::Own`](super::Event::Own) even after the epoch moved on (not
    /// persisted).
    pub own_handshakes: Recent<[u8; 32], KEPT_OWN_HANDSHAKES>,
}

/// How many own commits and proposals a group remembers.
const KEPT_OWN_HANDSHAKES: usize = 8;

impl Group {
    /// Remembers a commit or proposal this client sends.
    pub(crate) fn remember_own(&mut self, bytes: &[u8]) {
        self.own_handshakes.push(keccak256(bytes).0);
    }

    /// Whether `bytes` are a commit or proposal this client sent.
    pub(crate) fn is_own(&self, bytes: &[u8]) -> bool {
        if self.own_handshakes.is_empty() {
            return false;
        }
        let hash = keccak256(bytes).0;
        self.own_handshakes.find(|h| *h == hash).is_some()
    }

    /// Commits and proposals wait until this client's pending commit is merged or cleared.
    pub(crate) fn check_no_pending_commit(&self) -> Result<(), MlsError> {
        match self.mls.pending_commit() {
            Some(_) => Err(MlsError::CommitPending),
            None => Ok(()),
        }
    }
}

/// An MLS client bound to one wallet installation: its key packages and groups.
///
/// Sans-IO: every call takes bytes (and `now`, Unix seconds, where time matters) and returns
/// bytes and typed results. After every call that changes state, take its
/// [`ChangeSet`] with [`take_changes`](Self::take_changes) and persist it atomically before
/// reporting success; [`Client::restore`] rebuilds the client from the persisted records.
#[derive(Debug)]
pub struct Client {
    pub(crate) provider: Provider,
    pub(crate) identity: Identity,
    pub(crate) config: ClientConfig,
    pub(crate) groups: BTreeMap<Vec<u8>, Group>,
    /// Own commits wait for [`merge_pending_commit`](Self::merge_pending_commit) instead of
    /// being merged at once (not persisted: a setting of the running client).
    pub(crate) confirm_commits: bool,
}

impl Client {
    /// Creates a client for a completed identity (see
    /// [`IdentityRequest`](super::IdentityRequest); its key must use
    /// `config.suite.signature_scheme()`).
    ///
    /// Errors: [`MlsError::InvalidArgument`] for a bad config or a key of the wrong scheme,
    /// [`MlsError::UnsupportedCiphersuite`] if the provider cannot do the suite.
    pub fn new(identity: Identity, config: ClientConfig) -> Result<Self, MlsError> {
        config.validate()?;
        let provider = Provider::default();
        config.suite.ensure_supported(provider.crypto())?;
        if identity.key_pair.signature_scheme() != config.suite.signature_scheme() {
            return Err(MlsError::InvalidArgument {
                reason: format!(
                    "the installation key is {:?}, {} needs {:?}",
                    identity.key_pair.signature_scheme(),
                    config.suite.name(),
                    config.suite.signature_scheme()
                ),
            });
        }
        identity
            .key_pair
            .store(provider.storage())
            .map_err(MlsError::storage)?;
        let record = ClientRecord {
            config,
            credential: identity.credential_identity().to_vec(),
            installation_key: identity.key_pair.to_public_vec(),
        };
        let record = serde_json::to_vec(&record).map_err(MlsError::internal)?;
        provider.store.put(CLIENT_KEY.to_vec(), record);
        Ok(Self {
            provider,
            identity,
            config,
            groups: BTreeMap::new(),
            confirm_commits: false,
        })
    }

    /// Rebuilds a client from every record it persisted (the union of its change sets).
    ///
    /// Errors: [`MlsError::Storage`] when records are missing or corrupt.
    pub fn restore(
        records: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>,
    ) -> Result<Self, MlsError> {
        let store = MlsStore::restore(records);
        let record = store
            .get(CLIENT_KEY)
            .ok_or_else(|| MlsError::storage("no client record"))?;
        let record: ClientRecord = serde_json::from_slice(&record).map_err(MlsError::storage)?;
        record.config.validate()?;
        let provider = Provider::with_store(store);
        let scheme = record.config.suite.signature_scheme();
        let key_pair = SignatureKeyPair::read(provider.storage(), &record.installation_key, scheme)
            .ok_or_else(|| MlsError::storage("installation key pair missing"))?;
        let credential = BasicCredential::new(record.credential).into();
        let identity = Identity::from_parts(key_pair, credential)
            .map_err(|e| MlsError::storage(format!("stored identity: {e}")))?;
        let mut groups = BTreeMap::new();
        for (key, value) in provider.store.snapshot() {
            let Some(group_id) = key.strip_prefix(GROUP_PREFIX) else {
                continue;
            };
            let meta: GroupRecord = serde_json::from_slice(&value).map_err(MlsError::storage)?;
            let mls = MlsGroup::load(provider.storage(), &GroupId::from_slice(group_id))
                .map_err(MlsError::storage)?
                .ok_or_else(|| MlsError::storage(format!("group {} missing", hex(group_id))))?;
            groups.insert(
                group_id.to_vec(),
                Group {
                    mls,
                    last_rotation: meta.last_rotation,
                    senders: Default::default(),
                    own_handshakes: Default::default(),
                },
            );
        }
        Ok(Self {
            provider,
            identity,
            config: record.config,
            groups,
            confirm_commits: false,
        })
    }

    /// The records changed since the last call: persist them as one atomic batch.
    pub fn take_changes(&mut self) -> ChangeSet {
        self.provider.store.take_changes()
    }

    /// Every record of this client (for a first full write, or an export).
    pub fn snapshot(&self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.provider.store.snapshot()
    }

    /// Bytes of state this client holds (keys and values of all records).
    pub fn state_size_bytes(&self) -> usize {
        self.provider.store.size_bytes()
    }

    /// This installation: wallet address, installation id and key.
    pub fn identity(&self) -> &MemberIdentity {
        self.identity.member()
    }

    /// The wallet binding of this installation (the credential identity of
    /// `docs/identity.md`), which a relay verifies to prove the connection's address.
    pub fn binding(&self) -> &[u8] {
        self.identity.credential_identity()
    }

    /// Signs a relay's 32-byte authentication nonce with this installation's Ed25519 key,
    /// so that a relay connection is the same installation (and, with
    /// [`binding`](Self::binding), the same wallet) as the MLS member: the relay's member
    /// lists name installations by the MLS `installationId`. Every structure MLS signs
    /// starts with a label of at least 19 bytes and is longer than 32 bytes in all, so no
    /// nonce can be one of them.
    ///
    /// Errors: [`MlsError::InvalidArgument`] for a nonce that is not 32 bytes, or an
    /// installation whose key is not Ed25519 (the relay checks Ed25519).
    pub fn sign_relay_nonce(&self, nonce: &[u8]) -> Result<Vec<u8>, MlsError> {
        if nonce.len() != 32 {
            return Err(MlsError::InvalidArgument {
                reason: format!("a relay nonce is 32 bytes, not {}", nonce.len()),
            });
        }
        if self.identity.key_pair.signature_scheme() != SignatureScheme::ED25519 {
            return Err(MlsError::InvalidArgument {
                reason: "relays authenticate Ed25519 installation keys".into(),
            });
        }
        use openmls_traits::signatures::Signer as _;
        self.identity
            .signing()
            .sign(nonce)
            .map_err(|e| MlsError::internal(format!("{e:?}")))
    }

    /// The settings this client was created with.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Creates `count` (1..=100) single-use key packages valid from `now`, each an
    /// `MLSMessage` to publish.
    pub fn create_key_packages(
        &mut self,
        count: usize,
        now: u64,
    ) -> Result<Vec<Vec<u8>>, MlsError> {
        if !(1..=100).contains(&count) {
            return Err(MlsError::InvalidArgument {
                reason: "create 1 to 100 key packages at a time".into(),
            });
        }
        (0..count).map(|_| self.key_package(false, now)).collect()
    }

    /// Creates a last-resort key package: it stays usable after a welcome consumed it, so
    /// that a client can always be added when its single-use ones ran out.
    pub fn create_last_resort_key_package(&mut self, now: u64) -> Result<Vec<u8>, MlsError> {
        self.key_package(true, now)
    }

    fn key_package(&mut self, last_resort: bool, now: u64) -> Result<Vec<u8>, MlsError> {
        let mut builder = KeyPackage::builder()
            .key_package_lifetime(self.lifetime(now))
            .leaf_node_capabilities(self.capabilities(last_resort));
        if last_resort {
            builder = builder.mark_as_last_resort();
        }
        let bundle = builder
            .build(
                self.config.suite.openmls(),
                &self.provider,
                &self.identity.signing(),
                self.credential_with_key(),
            )
            .map_err(MlsError::internal)?;
        convert::to_bytes(MlsMessageOut::from(bundle.key_package().clone()))
    }

    /// Creates a group and adds the owners of `key_packages` (each an `MLSMessage` carrying
    /// a key package). A DM (`dm`) takes exactly one key package. Returns the group id and,
    /// when members were added, the commit (for members to come, nothing to send but
    /// ordering) and welcome.
    ///
    /// Errors: [`MlsError::DmMemberLimit`], plus those of
    /// [`add_members`](Self::add_members).
    pub fn create_group(
        &mut self,
        key_packages: &[Vec<u8>],
        dm: bool,
        now: u64,
    ) -> Result<(Vec<u8>, Option<CommitOutput>), MlsError> {
        if dm && key_packages.len() != 1 {
            return Err(MlsError::DmMemberLimit);
        }
        // Check the key packages before anything is created.
        let parsed = self.parse_key_packages(key_packages)?;
        let mut extensions = Vec::new();
        if dm {
            extensions.push(Extension::Unknown(DM_EXTENSION, UnknownExtension(vec![1])));
        }
        let extensions = Extensions::from_vec(extensions).map_err(MlsError::internal)?;
        let mls = MlsGroup::builder()
            .ciphersuite(self.config.suite.openmls())
            .with_wire_format_policy(MIXED_CIPHERTEXT_WIRE_FORMAT_POLICY)
            .max_past_epochs(self.config.max_past_epochs)
            .use_ratchet_tree_extension(true)
            .with_capabilities(self.capabilities(false))
            .with_group_context_extensions(extensions)
            .lifetime(self.lifetime(now))
            .build(
                &self.provider,
                &self.identity.signing(),
                self.credential_with_key(),
            )
            .map_err(MlsError::internal)?;
        let group_id = mls.group_id().as_slice().to_vec();
        self.insert_group(mls, now)?;
        let commit = if parsed.is_empty() {
            None
        } else {
            Some(self.add_parsed(&group_id, parsed, true, false)?)
        };
        Ok((group_id, commit))
    }

    /// Joins a group from a welcome (`MLSMessage`) addressed to one of this client's key
    /// packages, after verifying every member's wallet binding.
    ///
    /// Errors: [`MlsError::MalformedMessage`], [`MlsError::InvalidWelcome`] (not for us,
    /// bad secrets or tree), [`MlsError::InvalidIdentityBinding`].
    pub fn join_from_welcome(&mut self, welcome: &[u8], now: u64) -> Result<Event, MlsError> {
        let message = parse_message(welcome)?;
        let MlsMessageBodyIn::Welcome(welcome) = message.extract() else {
            return Err(MlsError::malformed("not a welcome"));
        };
        self.join(welcome, now)
    }

    pub(crate) fn join(
        &mut self,
        welcome: openmls::prelude::Welcome,
        now: u64,
    ) -> Result<Event, MlsError> {
        // Staging checks the signature of every leaf of the tree and of the group info:
        // together, as a batch. If the batch fails, the state goes back to before staging
        // (which consumed the key package) and staging runs again, checking one by one, so
        // the outcome is the same as without the batch.
        self.provider.store.begin_undo();
        self.provider.crypto().defer_ed25519();
        let mut staged = StagedWelcome::new_from_welcome(
            &self.provider,
            &self.join_config(),
            welcome.clone(),
            None,
        );
        if self.provider.crypto().check_deferred() {
            self.provider.store.keep();
        } else {
            self.provider.store.rollback();
            staged =
                StagedWelcome::new_from_welcome(&self.provider, &self.join_config(), welcome, None);
        }
        // Staging consumes the key package (single-use ones are deleted) even when the
        // welcome is then refused: a forged welcome costs one key package, nothing more.
        let staged = staged.map_err(convert::welcome_error)?;
        let leaves: Vec<_> = staged.members().collect();
        let members = super::identity::verify_credentials(
            &leaves
                .iter()
                .map(|m| (&m.credential, m.signature_key.as_slice()))
                .collect::<Vec<_>>(),
        )
        .into_iter()
        .collect::<Result<Vec<_>, MlsError>>()?;
        let context = staged.group_context();
        if context.ciphersuite() != self.config.suite.openmls() {
            return Err(MlsError::InvalidWelcome {
                reason: "group uses another ciphersuite".into(),
            });
        }
        // Checked before the group is stored.
        let dm = has_dm_flag(context.extensions());
        if dm && members.len() > 2 {
            return Err(MlsError::InvalidWelcome {
                reason: "a DM with more than two members".into(),
            });
        }
        let mls = staged
            .into_group(&self.provider)
            .map_err(convert::welcome_error)?;
        let group_id = mls.group_id().as_slice().to_vec();
        let epoch = mls.epoch().as_u64();
        self.insert_group(mls, now)?;
        Ok(Event::Welcome {
            group_id,
            epoch,
            members,
            dm,
        })
    }

    /// Ids of the groups this client is in.
    pub fn group_ids(&self) -> Vec<Vec<u8>> {
        self.groups.keys().cloned().collect()
    }

    /// The group's current epoch.
    pub fn epoch(&self, group_id: &[u8]) -> Result<u64, MlsError> {
        Ok(self.group(group_id)?.mls.epoch().as_u64())
    }

    /// Whether the group is a DM.
    pub fn is_dm(&self, group_id: &[u8]) -> Result<bool, MlsError> {
        Ok(is_dm(&self.group(group_id)?.mls))
    }

    /// The group's members (verified addresses and installations), in leaf order.
    pub fn members(&self, group_id: &[u8]) -> Result<Vec<MemberIdentity>, MlsError> {
        let group = self.group(group_id)?;
        Ok(group
            .mls
            .members()
            .filter_map(|m| trusted_identity(&m.credential).ok())
            .collect())
    }

    pub(crate) fn group(&self, group_id: &[u8]) -> Result<&Group, MlsError> {
        self.groups
            .get(group_id)
            .ok_or_else(|| MlsError::UnknownGroup {
                group_id: hex(group_id),
            })
    }

    fn insert_group(&mut self, mls: MlsGroup, now: u64) -> Result<(), MlsError> {
        let group_id = mls.group_id().as_slice().to_vec();
        self.groups.insert(
            group_id.clone(),
            Group {
                mls,
                last_rotation: now,
                senders: Default::default(),
                own_handshakes: Default::default(),
            },
        );
        self.write_group_record(&group_id, GroupRecord { last_rotation: now })
    }

    pub(crate) fn write_group_record(
        &self,
        group_id: &[u8],
        record: GroupRecord,
    ) -> Result<(), MlsError> {
        let value = serde_json::to_vec(&record).map_err(MlsError::internal)?;
        self.provider.store.put(group_key(group_id), value);
        Ok(())
    }

    /// Forgets a group this client is no longer in, state included.
    pub(crate) fn drop_group(&mut self, group_id: &[u8]) -> Result<(), MlsError> {
        if let Some(mut group) = self.groups.remove(group_id) {
            group
                .mls
                .delete(self.provider.storage())
                .map_err(MlsError::storage)?;
        }
        self.provider.store.delete(&group_key(group_id));
        Ok(())
    }

    /// Parses, validates and verifies incoming key packages.
    pub(crate) fn parse_key_packages(
        &self,
        key_packages: &[Vec<u8>],
    ) -> Result<Vec<KeyPackage>, MlsError> {
        // Two Ed25519 signatures per key package, checked together. Parsing changes no
        // state: if the batch fails, the pass one by one below names the first bad one.
        if key_packages.len() > 1 {
            self.provider.crypto().defer_ed25519();
            let parsed = self.parse_each_key_package(key_packages);
            if self.provider.crypto().check_deferred() {
                return parsed;
            }
        }
        self.parse_each_key_package(key_packages)
    }

    fn parse_each_key_package(
        &self,
        key_packages: &[Vec<u8>],
    ) -> Result<Vec<KeyPackage>, MlsError> {
        let validated: Vec<Result<KeyPackage, MlsError>> = key_packages
            .iter()
            .map(|bytes| {
                let message = parse_message(bytes)?;
                let MlsMessageBodyIn::KeyPackage(kp) = message.extract() else {
                    return Err(MlsError::malformed("not a key package"));
                };
                let kp = kp
                    .validate(self.provider.crypto(), ProtocolVersion::Mls10)
                    .map_err(|e| MlsError::InvalidKeyPackage {
                        reason: e.to_string(),
                    })?;
                if kp.ciphersuite() != self.config.suite.openmls() {
                    return Err(MlsError::InvalidKeyPackage {
                        reason: format!(
                            "ciphersuite {:?}, the group uses {}",
                            kp.ciphersuite(),
                            self.config.suite.name()
                        ),
                    });
                }
                Ok(kp)
            })
            .collect();
        // Every valid key package's binding, checked together; the first failure in order
        // (of either kind) is the error.
        let leaves: Vec<_> = validated
            .iter()
            .flatten()
            .map(|kp| {
                let leaf = kp.leaf_node();
                (leaf.credential(), leaf.signature_key().as_slice())
            })
            .collect();
        let mut bindings = super::identity::verify_credentials(&leaves).into_iter();
        let parsed = validated
            .into_iter()
            .map(|kp| {
                let kp = kp?;
                bindings
                    .next()
                    .unwrap_or(Err(MlsError::binding("no binding result")))?;
                Ok(kp)
            })
            .collect::<Result<Vec<_>, MlsError>>()?;
        let mut keys: Vec<&[u8]> = parsed
            .iter()
            .map(|kp| kp.leaf_node().signature_key().as_slice())
            .collect();
        keys.sort_unstable();
        if keys.windows(2).any(|w| w[0] == w[1]) {
            return Err(MlsError::InvalidKeyPackage {
                reason: "two key packages of the same installation".into(),
            });
        }
        Ok(parsed)
    }

    pub(crate) fn join_config(&self) -> MlsGroupJoinConfig {
        MlsGroupJoinConfig::builder()
            .wire_format_policy(MIXED_CIPHERTEXT_WIRE_FORMAT_POLICY)
            .max_past_epochs(self.config.max_past_epochs)
            .use_ratchet_tree_extension(true)
            .build()
    }

    fn credential_with_key(&self) -> CredentialWithKey {
        CredentialWithKey {
            credential: self.identity.credential.clone(),
            signature_key: self.identity.key_pair.to_public_vec().into(),
        }
    }

    /// Only non-default entries: mls-rs refuses capabilities that list default extension
    /// or proposal types. A last-resort key package must list its (non-default) extension.
    fn capabilities(&self, last_resort: bool) -> Capabilities {
        let dm = ExtensionType::Unknown(DM_EXTENSION);
        let extensions: &[ExtensionType] = if last_resort {
            &[dm, ExtensionType::LastResort]
        } else {
            &[dm]
        };
        Capabilities::new(
            None,
            Some(&[self.config.suite.openmls()]),
            Some(extensions),
            None,
            Some(&[CredentialType::Basic]),
        )
    }

    fn lifetime(&self, now: u64) -> Lifetime {
        Lifetime::init(
            now.saturating_sub(LIFETIME_MARGIN),
            now.saturating_add(self.config.key_package_lifetime),
        )
    }
}

impl Suite {
    /// The MLS signature scheme of this suite: what
    /// [`IdentityRequest::prepare`](super::IdentityRequest::prepare) needs.
    pub fn signature_scheme(self) -> SignatureScheme {
        self.openmls().signature_algorithm()
    }
}

/// The group with this id; a free function so that callers can borrow the provider and the
/// key pair beside it.
pub(crate) fn lookup<'a>(
    groups: &'a mut BTreeMap<Vec<u8>, Group>,
    group_id: &[u8],
) -> Result<&'a mut Group, MlsError> {
    groups
        .get_mut(group_id)
        .ok_or_else(|| MlsError::UnknownGroup {
            group_id: hex(group_id),
        })
}

fn group_key(group_id: &[u8]) -> Vec<u8> {
    [GROUP_PREFIX, group_id].concat()
}

pub(crate) fn is_dm(mls: &MlsGroup) -> bool {
    has_dm_flag(mls.extensions())
}

fn has_dm_flag(extensions: &Extensions<GroupContext>) -> bool {
    extensions
        .iter()
        .any(|e| matches!(e, Extension::Unknown(DM_EXTENSION, _)))
}

/// Parses one complete `MLSMessage`; trailing bytes are refused.
pub(crate) fn parse_message(bytes: &[u8]) -> Result<MlsMessageIn, MlsError> {
    let (message, rest) =
        MlsMessageIn::tls_deserialize_bytes(bytes).map_err(MlsError::malformed)?;
    if !rest.is_empty() {
        return Err(MlsError::malformed("trailing bytes after the MLSMessage"));
    }
    Ok(message)
}
