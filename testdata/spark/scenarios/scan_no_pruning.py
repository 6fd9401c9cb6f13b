"""Q25: a one-day query on a date-partitioned table that filters on the
timestamp column instead of the partition column: all 30 partitions are read."""
import common
import scan_partitioned

if __name__ == "__main__":
    common.run("scan_no_pruning", lambda s, c: scan_partitioned.query(s, c, False),
               setup=scan_partitioned.setup, driver_memory="2g")
