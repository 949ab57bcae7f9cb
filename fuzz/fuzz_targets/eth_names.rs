//! Address parsing, namehash and DNS encoding on arbitrary text: never panic, and a parsed
//! address always round-trips through its checksummed form.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(sum) = hybrid_edge::eth::to_checksum_address(text) {
        assert_eq!(hybrid_edge::eth::to_checksum_address(&sum).as_deref(), Ok(sum.as_str()));
        assert_eq!(sum.to_lowercase(), text.to_lowercase());
    }
    let _ = hybrid_edge::eth::shorten_address(text);
    if let Ok(encoded) = hybrid_edge::eth::dns_encode(text) {
        assert_eq!(encoded.last(), Some(&0));
        assert!(hybrid_edge::eth::namehash(text).is_ok());
    }
});
