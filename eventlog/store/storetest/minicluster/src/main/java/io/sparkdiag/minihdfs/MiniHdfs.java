package io.sparkdiag.minihdfs;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import sun.misc.Signal;

/**
 * Starts an HDFS minicluster for sparkdiag's store tests: one NameNode and
 * one DataNode on 127.0.0.1, WebHDFS enabled, permissions off.
 *
 * <pre>
 * java -Xmx512m -cp minihdfs.jar:$(cat classpath.txt) io.sparkdiag.minihdfs.MiniHdfs \
 *   --rpc-port 8020 --http-port 9870 --base-dir /tmp/x \
 *   [--put LOCAL_DIR:/HDFS/DIR]... [--many /HDFS/DIR:COUNT]... [--watch-stdin]
 * </pre>
 *
 * When the cluster serves, it prints one line to stdout:
 * {@code READY rpc=127.0.0.1:PORT http=127.0.0.1:PORT ms=MILLIS}. It shuts
 * the cluster down in order, prints {@code STOPPED} and exits 0 on SIGTERM or
 * SIGINT and, with --watch-stdin, when its standard input closes (so it
 * never outlives the test process that started it).
 */
public final class MiniHdfs {
  private MiniHdfs() {}

  /** The command line, parsed. */
  static final class Args {
    int rpcPort;
    int httpPort;
    String baseDir;
    boolean watchStdin;
    final List<String[]> puts = new ArrayList<>();
    final List<String[]> many = new ArrayList<>();
  }

  public static void main(String[] argv) throws Exception {
    Args a = parse(argv);
    long start = System.nanoTime();
    Configuration conf = new HdfsConfiguration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, a.baseDir);
    conf.setBoolean("dfs.webhdfs.enabled", true);
    conf.setBoolean("dfs.permissions.enabled", false);
    conf.setInt("dfs.replication", 1);
    conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
    conf.set("dfs.namenode.http-bind-host", "127.0.0.1");
    conf.set("dfs.datanode.hostname", "127.0.0.1");
    // Small blocks so a multi-MB log spans several blocks (and DataNode
    // reads cross block boundaries).
    conf.setLong("dfs.namenode.fs-limits.min-block-size", 1024 * 1024);
    conf.setLong("dfs.blocksize", 1024 * 1024);
    conf.setInt("dfs.namenode.handler.count", 4);
    conf.setInt("dfs.datanode.handler.count", 2);

    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf)
        .numDataNodes(1)
        .nameNodePort(a.rpcPort)
        .nameNodeHttpPort(a.httpPort)
        .format(true)
        .build();
    AtomicBoolean down = new AtomicBoolean();
    Runnable shutdown = () -> {
      if (down.compareAndSet(false, true)) {
        cluster.shutdown();
      }
    };
    // Any other exit still shuts the cluster down (noisily: Hadoop's own
    // hooks are running too).
    Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "minihdfs-shutdown"));
    cluster.waitActive();

    FileSystem fs = cluster.getFileSystem();
    for (String[] p : a.puts) {
      Path dst = new Path(p[1]);
      fs.mkdirs(dst);
      File[] kids = new File(p[0]).listFiles();
      if (kids == null) {
        throw new IOException(p[0] + ": not a readable directory");
      }
      for (File k : kids) {
        fs.copyFromLocalFile(false, true, new Path(k.getAbsolutePath()), new Path(dst, k.getName()));
      }
    }
    for (String[] m : a.many) {
      Path dir = new Path(m[0]);
      fs.mkdirs(dir);
      int n = Integer.parseInt(m[1]);
      for (int i = 0; i < n; i++) {
        fs.create(new Path(dir, String.format("f%05d", i)), true).close();
      }
    }

    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.println("READY rpc=127.0.0.1:" + cluster.getNameNodePort()
        + " http=127.0.0.1:" + cluster.getNameNode().getHttpAddress().getPort()
        + " ms=" + ms);
    System.out.flush();

    // Stop in order on SIGTERM, SIGINT or (with --watch-stdin) the end of
    // standard input, rather than from a JVM shutdown hook.
    CountDownLatch stop = new CountDownLatch(1);
    for (String sig : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(sig), s -> stop.countDown());
    }
    if (a.watchStdin) {
      Thread watch = new Thread(() -> {
        try {
          InputStream in = System.in;
          byte[] buf = new byte[256];
          while (in.read(buf) >= 0) {
            // Ignore input; wait for end of file.
          }
        } catch (IOException e) {
          // Treat as closed.
        }
        stop.countDown();
      }, "minihdfs-stdin");
      watch.setDaemon(true);
      watch.start();
    }
    stop.await();
    shutdown.run();
    System.out.println("STOPPED");
    System.out.flush();
    System.exit(0);
  }

  /** Parses the command line, exiting with a usage message when it is wrong. */
  static Args parse(String[] argv) {
    Args a = new Args();
    for (int i = 0; i < argv.length; i++) {
      String k = argv[i];
      switch (k) {
        case "--watch-stdin":
          a.watchStdin = true;
          continue;
        default:
          break;
      }
      if (i + 1 >= argv.length) {
        usage(k + " needs a value");
      }
      String v = argv[++i];
      switch (k) {
        case "--rpc-port":
          a.rpcPort = Integer.parseInt(v);
          break;
        case "--http-port":
          a.httpPort = Integer.parseInt(v);
          break;
        case "--base-dir":
          a.baseDir = v;
          break;
        case "--put":
          a.puts.add(split(v, k));
          break;
        case "--many":
          a.many.add(split(v, k));
          break;
        default:
          usage("unknown option " + k);
      }
    }
    if (a.baseDir == null) {
      usage("--base-dir is required");
    }
    return a;
  }

  /** Splits "A:B" at its last colon. */
  static String[] split(String v, String opt) {
    int i = v.lastIndexOf(':');
    if (i <= 0) {
      usage(opt + " wants A:B, got " + v);
    }
    return new String[] {v.substring(0, i), v.substring(i + 1)};
  }

  static void usage(String why) {
    System.err.println("minihdfs: " + why);
    System.err.println("usage: MiniHdfs --base-dir DIR [--rpc-port N] [--http-port N]"
        + " [--put LOCAL_DIR:/HDFS/DIR]... [--many /HDFS/DIR:COUNT]... [--watch-stdin]");
    System.exit(2);
  }
}
