"""Helpers for the Structured Streaming scenarios.

Runs are bounded by batch counts as well as time, so that a busy machine
still produces enough micro-batches for the labels to hold.
"""
import time


def batches(query):
    return len(query.recentProgress)


def run_for(query, seconds, min_batches=0, max_seconds=None):
    """Let the query run `seconds`, longer (up to max_seconds) until it has
    completed min_batches micro-batches; then stop it."""
    start = time.time()
    max_seconds = max_seconds or 3 * seconds
    while query.isActive:
        el = time.time() - start
        if el >= seconds and batches(query) >= min_batches:
            break
        if el >= max_seconds:
            break
        time.sleep(0.5)
    query.stop()
    query.awaitTermination(30)


def run_until(query, done, min_seconds, max_seconds):
    """Run at least min_seconds and until done(query) holds (or max_seconds)."""
    start = time.time()
    while query.isActive:
        el = time.time() - start
        if el >= min_seconds and done(query):
            break
        if el >= max_seconds:
            break
        time.sleep(0.5)
    query.stop()
    query.awaitTermination(30)
