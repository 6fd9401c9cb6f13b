"""Q25 done right: the same one-day query filtering on the partition column:
1 of 30 partitions is read."""
import common
import scan_partitioned

if __name__ == "__main__":
    common.run("scan_pruned", lambda s, c: scan_partitioned.query(s, c, True),
               setup=scan_partitioned.setup, driver_memory="2g")
