"""Cluster: the same skewed join with AQE skew-join splitting on."""
import cluster_skewjoin

if __name__ == "__main__":
    cluster_skewjoin.main("cluster_skew_join_aqe", True)
