"""Q6: skewed join with AQE on but spark.sql.adaptive.skewJoin.enabled=false."""
import skew_join

if __name__ == "__main__":
    skew_join.main("skew_join_off", False, "lzf")
