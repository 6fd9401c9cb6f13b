"""Q21 done right: the long_lineage loop with checkpoint() every 5 rounds."""
import common
import long_lineage


def body(spark, ctx):
    long_lineage.iterate(spark, ctx, checkpoint_every=5)


if __name__ == "__main__":
    common.run("long_lineage_checkpoint", body, driver_memory="2g", conf=long_lineage.CONF)
