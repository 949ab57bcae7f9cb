use openmls::prelude::{tls_codec::DeserializeBytes, ContentType, MlsMessageIn, WireFormat};

use super::error::MlsError;

/// What a relay can read from an encrypted group message without any key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHeader {
    /// The group id.
    pub group_id: Vec<u8>,
    /// The epoch the message was sent in.
    pub epoch: u64,
    /// What it carries.
    pub content_type: MessageContentType,
    /// True for a PrivateMessage, false for a PublicMessage.
    pub encrypted: bool,
}

/// The clear content type of a group message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageContentType {
    /// An application message.
    Application,
    /// A proposal.
    Proposal,
    /// A commit: the relay must order these per group and epoch.
    Commit,
}

impl From<ContentType> for MessageContentType {
    fn from(content_type: ContentType) -> Self {
        match content_type {
            ContentType::Application => Self::Application,
            ContentType::Proposal => Self::Proposal,
            ContentType::Commit => Self::Commit,
        }
    }
}

impl MessageContentType {
    /// `application`, `proposal` or `commit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Application => "application",
            Self::Proposal => "proposal",
            Self::Commit => "commit",
        }
    }
}

/// Reads the clear framing of an `MLSMessage` carrying a PublicMessage or PrivateMessage,
/// so that a relay can order commits per (group, epoch) without any key. Welcomes, key
/// packages, group infos and malformed bytes are [`MlsError::MalformedMessage`].
pub fn peek_header(bytes: &[u8]) -> Result<MessageHeader, MlsError> {
    let (message, rest) =
        MlsMessageIn::tls_deserialize_bytes(bytes).map_err(MlsError::malformed)?;
    if !rest.is_empty() {
        return Err(MlsError::malformed("trailing bytes after the MLSMessage"));
    }
    let encrypted = match message.wire_format() {
        WireFormat::PrivateMessage => true,
        WireFormat::PublicMessage => false,
        _ => return Err(MlsError::malformed("not a group message")),
    };
    let protocol = message
        .try_into_protocol_message()
        .map_err(MlsError::malformed)?;
    let content_type = protocol.content_type().into();
    Ok(MessageHeader {
        group_id: protocol.group_id().as_slice().to_vec(),
        epoch: protocol.epoch().as_u64(),
        content_type,
        encrypted,
    })
}
