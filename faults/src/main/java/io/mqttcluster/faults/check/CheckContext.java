package io.mqttcluster.faults.check;

/** What the per-subscriber and per-group loss checks read and write: the run's index, times, receipts and findings. */
record CheckContext(RunIndex idx, Times times, FreshReceipts fresh, Findings findings, Details details, LossExcuses excuses) {
}
