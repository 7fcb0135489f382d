//! Instantaneous metrics INFO reports (`instantaneous_ops_per_sec`, `..._input_kbps`,
//! `..._output_kbps`) and the memory peak, sampled by the cron as Redis's
//! `trackInstantaneousMetric` does: a rate per sample interval, averaged over the last 16.

use parking_lot::Mutex;

/// Samples kept per metric (Redis `STATS_METRIC_SAMPLES`).
const SAMPLES: usize = 16;

/// Redis samples every 100 ms.
pub const SAMPLE_INTERVAL_MS: i64 = 100;

#[derive(Default)]
struct Metric {
    last_value: u64,
    last_ms: i64,
    samples: [f64; SAMPLES],
    next: usize,
}

impl Metric {
    fn track(&mut self, value: u64, now_ms: i64) {
        if self.last_ms > 0 && now_ms > self.last_ms {
            let per_sec = value.saturating_sub(self.last_value) as f64 * 1000.0
                / (now_ms - self.last_ms) as f64;
            self.samples[self.next] = per_sec;
            self.next = (self.next + 1) % SAMPLES;
        }
        self.last_value = value;
        self.last_ms = now_ms;
    }

    fn average(&self) -> f64 {
        self.samples.iter().sum::<f64>() / SAMPLES as f64
    }
}

#[derive(Default)]
pub struct Metrics {
    ops: Mutex<Metric>,
    input: Mutex<Metric>,
    output: Mutex<Metric>,
    peak_memory: Mutex<u64>,
}

impl Metrics {
    /// One sample of the running totals.
    pub fn track(&self, commands: u64, input_bytes: u64, output_bytes: u64, now_ms: i64) {
        self.ops.lock().track(commands, now_ms);
        self.input.lock().track(input_bytes, now_ms);
        self.output.lock().track(output_bytes, now_ms);
    }

    pub fn ops_per_sec(&self) -> u64 {
        self.ops.lock().average().round() as u64
    }

    pub fn input_kbps(&self) -> f64 {
        self.input.lock().average() / 1024.0
    }

    pub fn output_kbps(&self) -> f64 {
        self.output.lock().average() / 1024.0
    }

    /// Records `used` and returns the highest value seen (INFO `used_memory_peak`).
    pub fn memory_peak(&self, used: u64) -> u64 {
        let mut peak = self.peak_memory.lock();
        *peak = (*peak).max(used);
        *peak
    }

    pub fn reset_peak(&self) {
        *self.peak_memory.lock() = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_average_over_the_samples() {
        let m = Metrics::default();
        // 1,000 commands every 100 ms: 10,000 per second once every sample is filled.
        for i in 0..=SAMPLES as u64 {
            m.track(i * 1000, i * 2048, 0, 1_000 + i as i64 * 100);
        }
        assert_eq!(m.ops_per_sec(), 10_000);
        assert!((m.input_kbps() - 20.0).abs() < 1e-9);
        assert_eq!(m.memory_peak(5), 5);
        assert_eq!(m.memory_peak(3), 5);
    }
}
