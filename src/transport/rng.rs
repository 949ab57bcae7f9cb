//! A small seedable generator (SplitMix64) for backoff jitter and idempotency ids, and the
//! backoff formula. Randomness is an input: the driver seeds it with fresh entropy, tests
//! with a constant, so every run of a test is exact.

use super::config::{Jitter, RetryConfig};

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, passes BigCrush; not cryptographic,
/// which jitter and idempotency ids (unique, not secret) do not need.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..=max` (the tiny modulo bias is irrelevant for jitter).
    pub fn up_to(&mut self, max: u64) -> u64 {
        match max.checked_add(1) {
            Some(span) => self.next_u64() % span,
            None => self.next_u64(),
        }
    }
}

/// The delay before reconnect attempt `attempt` (1-based):
/// `min(maxDelay, initialDelay × multiplier^(attempt−1))`, then jittered.
pub fn backoff_delay(retry: &RetryConfig, attempt: u32, rng: &mut SplitMix64) -> u64 {
    let exponent = attempt.saturating_sub(1).min(64) as i32;
    let raw = retry.initial_delay as f64 * retry.backoff_multiplier.powi(exponent);
    // `as` saturates for floats, and the min bounds it anyway.
    let capped = (raw.min(retry.max_delay as f64)) as u64;
    match retry.jitter {
        Jitter::Full => rng.up_to(capped),
        Jitter::None => capped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::ClientConfig;

    #[test]
    fn splitmix_is_deterministic_per_seed() {
        let a: Vec<_> = (0..4)
            .map({
                let mut r = SplitMix64::new(1);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<_> = (0..4)
            .map({
                let mut r = SplitMix64::new(1);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(SplitMix64::new(2).next_u64(), a[0]);
        // Reference value of SplitMix64 seeded with 0.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn up_to_stays_in_range_including_the_edges() {
        let mut r = SplitMix64::new(7);
        assert_eq!(r.up_to(0), 0);
        let draws: Vec<_> = (0..2000).map(|_| r.up_to(3)).collect();
        assert!(draws.iter().all(|&d| d <= 3));
        for v in 0..=3 {
            assert!(draws.contains(&v));
        }
        let _ = r.up_to(u64::MAX);
    }

    #[test]
    fn backoff_grows_exponentially_and_caps() {
        let mut retry = ClientConfig::default().retry;
        retry.jitter = Jitter::None;
        let mut r = SplitMix64::new(0);
        let delays: Vec<_> = (1..=7).map(|a| backoff_delay(&retry, a, &mut r)).collect();
        assert_eq!(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
        assert_eq!(backoff_delay(&retry, u32::MAX, &mut r), 30000);
    }

    #[test]
    fn full_jitter_spreads_over_the_whole_window() {
        let retry = ClientConfig::default().retry;
        let mut r = SplitMix64::new(3);
        let delays: Vec<_> = (0..1000)
            .map(|_| backoff_delay(&retry, 3, &mut r))
            .collect();
        assert!(delays.iter().all(|&d| d <= 4000));
        // Roughly uniform: each quarter of the window gets a fair share.
        for q in 0..4 {
            let n = delays.iter().filter(|&&d| d / 1000 == q).count();
            assert!((150..=350).contains(&n), "quarter {q} got {n}");
        }
    }
}
