//! The client's timers: an enum and an array of deadlines (quinn's `TimerTable`).
//! `poll_timeout` returns the earliest; `handle_timeout` fires every one that is due.

/// One kind of deadline the client may be waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    /// Connect + authenticate must finish by then (`connection.timeout`).
    Connect,
    /// End of a backoff: try to connect again.
    Reconnect,
    /// Time to send the next keep-alive ping.
    KeepAlive,
    /// The pong to the last ping is late: the connection is dead.
    PongDeadline,
    /// End of `maxBatchDelay`: flush the queued publishes.
    Batch,
    /// End of a `RateLimited` pause: sending may resume.
    RateLimit,
    /// Time for the next health probe through the relay.
    Probe,
    /// The last probe is unanswered for too long.
    ProbeDeadline,
}

impl Timer {
    /// Every timer, in the order they fire when due at the same instant.
    pub(crate) const ALL: [Timer; 8] = [
        Timer::Connect,
        Timer::Reconnect,
        Timer::PongDeadline,
        Timer::KeepAlive,
        Timer::RateLimit,
        Timer::Batch,
        Timer::ProbeDeadline,
        Timer::Probe,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// A deadline (milliseconds on the driver's clock) per [`Timer`].
#[derive(Debug, Clone, Default)]
pub(crate) struct TimerTable {
    deadlines: [Option<u64>; 8],
}

impl TimerTable {
    pub(crate) fn set(&mut self, timer: Timer, at: u64) {
        self.deadlines[timer.index()] = Some(at);
    }

    pub(crate) fn stop(&mut self, timer: Timer) {
        self.deadlines[timer.index()] = None;
    }

    pub(crate) fn get(&self, timer: Timer) -> Option<u64> {
        self.deadlines[timer.index()]
    }

    pub(crate) fn is_set(&self, timer: Timer) -> bool {
        self.get(timer).is_some()
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<u64> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// Clears and returns the first due timer, in [`Timer::ALL`] order.
    pub(crate) fn take_due(&mut self, now: u64) -> Option<Timer> {
        let due = Timer::ALL
            .into_iter()
            .find(|t| self.get(*t).is_some_and(|at| at <= now))?;
        self.stop(due);
        Some(due)
    }

    pub(crate) fn clear(&mut self) {
        self.deadlines = [None; 8];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_deadline_and_due_order() {
        let mut t = TimerTable::default();
        assert_eq!(t.next(), None);
        t.set(Timer::Probe, 50);
        t.set(Timer::Batch, 10);
        t.set(Timer::Connect, 10);
        assert_eq!(t.next(), Some(10));
        assert_eq!(t.take_due(5), None);
        assert_eq!(t.take_due(10), Some(Timer::Connect));
        assert_eq!(t.take_due(10), Some(Timer::Batch));
        assert_eq!(t.take_due(10), None);
        assert_eq!(t.next(), Some(50));
        t.stop(Timer::Probe);
        assert!(!t.is_set(Timer::Probe));
        t.set(Timer::KeepAlive, 1);
        t.clear();
        assert_eq!(t.next(), None);
    }
}
