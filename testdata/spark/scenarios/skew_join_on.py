"""Q6: the same skewed join with AQE skew-join handling on: the hot partition is split."""
import skew_join

if __name__ == "__main__":
    skew_join.main("skew_join_on", True, "zstd")
