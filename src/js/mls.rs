//! MLS for JS, low level. [`MlsIdentityRequest`] and [`MlsClientCore`] wrap the sans-IO
//! core ([`crate::mls`]) one call to one method; the promise-based `Client` and `Group` of
//! `pkg/mls.js` drive them: they ask the wallet to sign, take the change set after every
//! mutating call and write it (encrypted) to the caller's storage before resolving.
//!
//! Times are Unix seconds (`now`), group ids `0x` hex, record keys hex of the core's keys.

use wasm_bindgen::prelude::*;

use super::convert::{
    address_list, byte_list, change_set_to_js, commit_to_js, group_id, member_to_js,
    mls_event_to_js, mls_outcome_to_js, records_from_js, seconds, to_js_error,
};
use crate::mls::{Client, ClientConfig, IdentityRequest, Suite};

/// The first step of a new identity: a fresh installation key and the statement the wallet
/// signs (EIP-191 `personal_sign`). Finish with [`complete`](Self::complete).
#[wasm_bindgen]
pub struct MlsIdentityRequest {
    request: IdentityRequest,
    config: ClientConfig,
}

#[wasm_bindgen]
impl MlsIdentityRequest {
    /// Prepares an identity for `address` dated `now` (Unix seconds). Options left out take
    /// the defaults (`MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519`, 3 past epochs,
    /// rotation every 86,400 s, key packages valid 30 days).
    ///
    /// @throws {HybridEdgeError} `InvalidAddress`/`InvalidAddressChecksum`,
    /// `UnsupportedCiphersuite`, `MlsInvalidArgument`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        address: &str,
        now: f64,
        ciphersuite: Option<String>,
        #[wasm_bindgen(js_name = maxPastEpochs)] max_past_epochs: Option<u32>,
        #[wasm_bindgen(js_name = keyRotationInterval)] key_rotation_interval: Option<f64>,
        #[wasm_bindgen(js_name = keyPackageLifetime)] key_package_lifetime: Option<f64>,
    ) -> Result<MlsIdentityRequest, JsValue> {
        let address = crate::eth::parse_address(address).map_err(to_js_error)?;
        let mut config = ClientConfig::default();
        if let Some(name) = ciphersuite {
            config.suite = Suite::from_name(&name).map_err(to_js_error)?;
        }
        config.max_past_epochs = max_past_epochs.map_or(config.max_past_epochs, |n| n as usize);
        config.key_rotation_interval =
            key_rotation_interval.map_or(config.key_rotation_interval, seconds);
        config.key_package_lifetime =
            key_package_lifetime.map_or(config.key_package_lifetime, seconds);
        config.validate().map_err(to_js_error)?;
        let request =
            IdentityRequest::prepare(address, config.suite.signature_scheme(), seconds(now))
                .map_err(to_js_error)?;
        Ok(MlsIdentityRequest { request, config })
    }

    /// The text for the wallet's `signMessage({ message })`.
    #[wasm_bindgen(getter)]
    pub fn statement(&self) -> String {
        self.request.statement().to_owned()
    }

    /// Takes the wallet's 65-byte signature over the statement and creates the client.
    /// `unchecked` skips the local check that the signature recovers to the address (see
    /// `dangerouslySkipSignerCheck`: peers refuse such an identity).
    ///
    /// @throws {HybridEdgeError} `WalletSignatureMismatch`, `MlsInvalidArgument`.
    pub fn complete(self, signature: &[u8], unchecked: bool) -> Result<MlsClientCore, JsValue> {
        let identity = if unchecked {
            self.request.complete_unchecked(signature)
        } else {
            self.request.complete(signature)
        }
        .map_err(to_js_error)?;
        let client = Client::new(identity, self.config).map_err(to_js_error)?;
        Ok(MlsClientCore { client })
    }
}

/// One MLS client (an installation bound to a wallet), synchronous, state in memory. After
/// every call that changes state, `takeChanges()` gives the records to write as one batch.
#[wasm_bindgen]
pub struct MlsClientCore {
    client: Client,
}

#[wasm_bindgen]
impl MlsClientCore {
    /// Rebuilds a client from every record it wrote: `[hexKey, value][]`.
    ///
    /// @throws {HybridEdgeError} `MlsStorage` for missing or corrupt records,
    /// `InvalidIdentityBinding` for a stored identity that does not verify.
    pub fn restore(
        #[wasm_bindgen(unchecked_param_type = "[string, Uint8Array][]")] records: js_sys::Array,
    ) -> Result<MlsClientCore, JsValue> {
        let client = Client::restore(records_from_js(&records)?).map_err(to_js_error)?;
        Ok(MlsClientCore { client })
    }

    /// The records changed since the last call, to write as one atomic batch:
    /// `{ puts: [hexKey, value][], deletes: hexKey[] }`.
    #[wasm_bindgen(js_name = takeChanges, unchecked_return_type = "{ puts: [string, Uint8Array][]; deletes: string[] }")]
    pub fn take_changes(&mut self) -> JsValue {
        change_set_to_js(self.client.take_changes())
    }

    /// The wallet address (EIP-55).
    #[wasm_bindgen(getter)]
    pub fn address(&self) -> String {
        self.client.identity().address_checksummed()
    }

    /// `0x` + 32 hex digits naming this installation.
    #[wasm_bindgen(getter, js_name = installationId)]
    pub fn installation_id(&self) -> String {
        self.client.identity().installation_id.clone()
    }

    /// This installation's public signature key (what a relay connection authenticates).
    #[wasm_bindgen(getter, js_name = installationKey)]
    pub fn installation_key(&self) -> Vec<u8> {
        self.client.identity().installation_key.clone()
    }

    /// The wallet binding (credential identity, `docs/identity.md`) a relay verifies.
    #[wasm_bindgen(getter)]
    pub fn binding(&self) -> Vec<u8> {
        self.client.binding().to_vec()
    }

    /// Signs a relay's 32-byte authentication nonce with the installation key.
    ///
    /// @throws {HybridEdgeError} `MlsInvalidArgument` for another length or a non-Ed25519
    /// installation.
    #[wasm_bindgen(js_name = signRelayNonce)]
    pub fn sign_relay_nonce(&self, nonce: &[u8]) -> Result<Vec<u8>, JsValue> {
        self.client.sign_relay_nonce(nonce).map_err(to_js_error)
    }

    /// The ciphersuite's RFC 9420 name.
    #[wasm_bindgen(getter)]
    pub fn ciphersuite(&self) -> String {
        self.client.config().suite.name().to_owned()
    }

    /// Seconds between self-updates of a group.
    #[wasm_bindgen(getter, js_name = keyRotationInterval)]
    pub fn key_rotation_interval(&self) -> f64 {
        self.client.config().key_rotation_interval as f64
    }

    /// Bytes of state (keys and values of all records).
    #[wasm_bindgen(getter, js_name = stateSizeBytes)]
    pub fn state_size_bytes(&self) -> f64 {
        self.client.state_size_bytes() as f64
    }

    /// `count` (1..=100) single-use key packages (`MLSMessage` bytes).
    ///
    /// @throws {HybridEdgeError} `MlsInvalidArgument`.
    #[wasm_bindgen(js_name = createKeyPackages, unchecked_return_type = "Uint8Array[]")]
    pub fn create_key_packages(&mut self, count: u32, now: f64) -> Result<js_sys::Array, JsValue> {
        let kps = self
            .client
            .create_key_packages(count as usize, seconds(now))
            .map_err(to_js_error)?;
        Ok(kps
            .iter()
            .map(|kp| js_sys::Uint8Array::from(&kp[..]))
            .collect())
    }

    /// A last-resort key package (reusable).
    #[wasm_bindgen(js_name = createLastResortKeyPackage)]
    pub fn create_last_resort_key_package(&mut self, now: f64) -> Result<Vec<u8>, JsValue> {
        self.client
            .create_last_resort_key_package(seconds(now))
            .map_err(to_js_error)
    }

    /// Creates a group (a DM when `dm`) with the owners of `keyPackages`:
    /// `{ groupId, commit?, welcome?, epoch }`.
    ///
    /// @throws {HybridEdgeError} `DmMemberLimit`, `MalformedMlsMessage`, `InvalidKeyPackage`,
    /// `InvalidIdentityBinding`.
    #[wasm_bindgen(js_name = createGroup, unchecked_return_type = "{ groupId: string; commit?: Uint8Array; welcome?: Uint8Array; epoch: number; pending: boolean }")]
    pub fn create_group(
        &mut self,
        #[wasm_bindgen(js_name = keyPackages, unchecked_param_type = "Uint8Array[]")]
        key_packages: js_sys::Array,
        dm: bool,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let kps = byte_list(&key_packages)?;
        let (id, commit) = self
            .client
            .create_group(&kps, dm, seconds(now))
            .map_err(to_js_error)?;
        let epoch = self.client.epoch(&id).map_err(to_js_error)?;
        Ok(commit_to_js(&id, commit, epoch))
    }

    /// Joins from a welcome: the `welcome` event.
    ///
    /// @throws {HybridEdgeError} `MalformedMlsMessage`, `InvalidWelcome`,
    /// `InvalidIdentityBinding`.
    #[wasm_bindgen(js_name = joinFromWelcome, unchecked_return_type = "MlsCoreEvent")]
    pub fn join_from_welcome(&mut self, welcome: &[u8], now: f64) -> Result<JsValue, JsValue> {
        let event = self
            .client
            .join_from_welcome(welcome, seconds(now))
            .map_err(to_js_error)?;
        Ok(mls_event_to_js(event))
    }

    /// Processes any incoming `MLSMessage` into an event.
    ///
    /// @throws {HybridEdgeError} the untrusted-input codes (`TamperedMessage`,
    /// `ReplayedMessage`, `WrongEpoch`, `MessageForUnknownGroup`, ...).
    #[wasm_bindgen(unchecked_return_type = "MlsCoreEvent")]
    pub fn process(&mut self, bytes: &[u8], now: f64) -> Result<JsValue, JsValue> {
        let event = self
            .client
            .process(bytes, seconds(now))
            .map_err(to_js_error)?;
        Ok(mls_event_to_js(event))
    }

    /// Processes messages in order, each as `process` would, one outcome per message:
    /// `{ event }` or `{ error }`. Signatures of consecutive application messages of a group
    /// are checked together (cheaper than one call each).
    ///
    /// @throws {HybridEdgeError} `MlsInvalidArgument` if `messages` is not an array of
    /// `Uint8Array`.
    #[wasm_bindgen(js_name = processMany, unchecked_return_type = "MlsCoreOutcome[]")]
    pub fn process_many(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] messages: js_sys::Array,
        now: f64,
    ) -> Result<js_sys::Array, JsValue> {
        let messages = byte_list(&messages)?;
        let messages: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        let outcomes = self.client.process_many(&messages, seconds(now));
        Ok(outcomes.into_iter().map(mls_outcome_to_js).collect())
    }

    /// Encrypts an application message (a PrivateMessage).
    ///
    /// @throws {HybridEdgeError} `UnknownGroup`, `MlsInvalidArgument`.
    pub fn encrypt(&mut self, group: &str, content: &[u8]) -> Result<Vec<u8>, JsValue> {
        let id = group_id(group)?;
        self.client.encrypt(&id, content).map_err(to_js_error)
    }

    /// Adds the owners of `keyPackages` in one commit, with an update path if `selfUpdate`
    /// (a rotation at `now`, Unix seconds, once merged).
    #[wasm_bindgen(js_name = addMembers, unchecked_return_type = "{ groupId: string; commit?: Uint8Array; welcome?: Uint8Array; epoch: number; pending: boolean }")]
    pub fn add_members(
        &mut self,
        group: &str,
        #[wasm_bindgen(js_name = keyPackages, unchecked_param_type = "Uint8Array[]")]
        key_packages: js_sys::Array,
        #[wasm_bindgen(js_name = selfUpdate)] self_update: bool,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let id = group_id(group)?;
        let key_packages = byte_list(&key_packages)?;
        let out = if self_update {
            self.client
                .add_members_and_update(&id, &key_packages, seconds(now))
        } else {
            self.client.add_members(&id, &key_packages)
        }
        .map_err(to_js_error)?;
        let epoch = out.epoch;
        Ok(commit_to_js(&id, Some(out), epoch))
    }

    /// Removes every installation of `addresses` in one commit.
    #[wasm_bindgen(js_name = removeMembers, unchecked_return_type = "{ groupId: string; commit?: Uint8Array; welcome?: Uint8Array; epoch: number; pending: boolean }")]
    pub fn remove_members(
        &mut self,
        group: &str,
        addresses: Vec<String>,
    ) -> Result<JsValue, JsValue> {
        let id = group_id(group)?;
        let out = self
            .client
            .remove_members(&id, &address_list(&addresses)?)
            .map_err(to_js_error)?;
        let epoch = out.epoch;
        Ok(commit_to_js(&id, Some(out), epoch))
    }

    /// Proposes to leave: the proposal to send.
    pub fn leave(&mut self, group: &str) -> Result<Vec<u8>, JsValue> {
        let id = group_id(group)?;
        self.client.leave(&id).map_err(to_js_error)
    }

    /// Commits the proposals received so far.
    #[wasm_bindgen(js_name = commitPendingProposals, unchecked_return_type = "{ groupId: string; commit?: Uint8Array; welcome?: Uint8Array; epoch: number; pending: boolean }")]
    pub fn commit_pending_proposals(&mut self, group: &str) -> Result<JsValue, JsValue> {
        let id = group_id(group)?;
        let out = self
            .client
            .commit_pending_proposals(&id)
            .map_err(to_js_error)?;
        let epoch = out.epoch;
        Ok(commit_to_js(&id, Some(out), epoch))
    }

    /// A self-update commit (new leaf keys).
    #[wasm_bindgen(js_name = rotateKeys, unchecked_return_type = "{ groupId: string; commit?: Uint8Array; welcome?: Uint8Array; epoch: number; pending: boolean }")]
    pub fn rotate_keys(&mut self, group: &str, now: f64) -> Result<JsValue, JsValue> {
        let id = group_id(group)?;
        let out = self
            .client
            .rotate_keys(&id, seconds(now))
            .map_err(to_js_error)?;
        let epoch = out.epoch;
        Ok(commit_to_js(&id, Some(out), epoch))
    }

    /// Whether own commits wait for `mergePendingCommit` (see `Client.create`'s
    /// `confirmCommits`); not persisted.
    #[wasm_bindgen(js_name = setConfirmCommits)]
    pub fn set_confirm_commits(&mut self, on: bool) {
        self.client.set_confirm_commits(on);
    }

    /// Whether a commit of this client waits in the group.
    ///
    /// @throws {HybridEdgeError} `UnknownGroup`.
    #[wasm_bindgen(js_name = hasPendingCommit)]
    pub fn has_pending_commit(&self, group: &str) -> Result<bool, JsValue> {
        let id = group_id(group)?;
        self.client.has_pending_commit(&id).map_err(to_js_error)
    }

    /// Applies this client's pending commit; returns the new epoch.
    ///
    /// @throws {HybridEdgeError} `UnknownGroup`, `NoPendingCommit`.
    #[wasm_bindgen(js_name = mergePendingCommit)]
    pub fn merge_pending_commit(&mut self, group: &str, now: f64) -> Result<f64, JsValue> {
        let id = group_id(group)?;
        let epoch = self
            .client
            .merge_pending_commit(&id, seconds(now))
            .map_err(to_js_error)?;
        Ok(epoch as f64)
    }

    /// Drops this client's pending commit.
    ///
    /// @throws {HybridEdgeError} `UnknownGroup`, `NoPendingCommit`.
    #[wasm_bindgen(js_name = clearPendingCommit)]
    pub fn clear_pending_commit(&mut self, group: &str) -> Result<(), JsValue> {
        let id = group_id(group)?;
        self.client.clear_pending_commit(&id).map_err(to_js_error)
    }

    /// Whether the group's last self-update is a rotation interval old at `now`.
    #[wasm_bindgen(js_name = rotationDue)]
    pub fn rotation_due(&self, group: &str, now: f64) -> Result<bool, JsValue> {
        let id = group_id(group)?;
        self.client
            .rotation_due(&id, seconds(now))
            .map_err(to_js_error)
    }

    /// The ids of the groups whose rotation is due at `now`.
    #[wasm_bindgen(js_name = groupsDueForRotation)]
    pub fn groups_due_for_rotation(&self, now: f64) -> Vec<String> {
        let ids = self.client.groups_due_for_rotation(seconds(now));
        ids.iter()
            .map(|id| super::convert::hex_string(id))
            .collect()
    }

    /// The ids of the groups this client is in.
    #[wasm_bindgen(js_name = groupIds)]
    pub fn group_ids(&self) -> Vec<String> {
        let ids = self.client.group_ids();
        ids.iter()
            .map(|id| super::convert::hex_string(id))
            .collect()
    }

    /// The group's epoch.
    pub fn epoch(&self, group: &str) -> Result<f64, JsValue> {
        let id = group_id(group)?;
        Ok(self.client.epoch(&id).map_err(to_js_error)? as f64)
    }

    /// Whether the group is a DM.
    #[wasm_bindgen(js_name = isDm)]
    pub fn is_dm(&self, group: &str) -> Result<bool, JsValue> {
        let id = group_id(group)?;
        self.client.is_dm(&id).map_err(to_js_error)
    }

    /// The group's members: `[{ address, installationId }]`, in leaf order.
    #[wasm_bindgen(unchecked_return_type = "{ address: string; installationId: string }[]")]
    pub fn members(&self, group: &str) -> Result<js_sys::Array, JsValue> {
        let id = group_id(group)?;
        let members = self.client.members(&id).map_err(to_js_error)?;
        Ok(members.iter().map(member_to_js).collect())
    }
}

#[wasm_bindgen(typescript_custom_section)]
const MLS_CORE_TYPES: &'static str = r#"
/** A member installation: its verified wallet address (EIP-55) and installation id. */
export interface MlsMember { address: string; installationId: string }
/** What `MlsClientCore.process` made of a message (`Client`/`Group` wrap it as `MlsEvent`). */
export type MlsCoreEvent =
  | { type: 'application'; groupId: string; epoch: number; sender: string; senderInstallationId: string; content: Uint8Array }
  | { type: 'commit'; groupId: string; epoch: number; sender: string; senderInstallationId: string; added: MlsMember[]; removed: MlsMember[]; updated: MlsMember[]; selfRemoved: boolean; ownCommitDiscarded: boolean }
  | { type: 'proposal'; groupId: string; sender: string; senderInstallationId: string; added: MlsMember[]; removed: MlsMember[]; updated: MlsMember[]; selfRemoved: boolean }
  | { type: 'welcome'; groupId: string; epoch: number; members: MlsMember[]; dm: boolean }
  | { type: 'own'; groupId: string; epoch: number; contentType: 'application' | 'proposal' | 'commit' };
/** One message's outcome in `MlsClientCore.processMany`: its event, or why it was refused. */
export type MlsCoreOutcome = { event: MlsCoreEvent; error?: undefined } | { error: Error; event?: undefined };
"#;
