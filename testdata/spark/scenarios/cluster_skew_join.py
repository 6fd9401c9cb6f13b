"""Cluster: skewed sort-merge join, AQE on but skew-join handling off."""
import cluster_skewjoin

if __name__ == "__main__":
    cluster_skewjoin.main("cluster_skew_join", False)
