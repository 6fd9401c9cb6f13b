package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/user"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	hdfs "github.com/colinmarc/hdfs/v2"
	"github.com/colinmarc/hdfs/v2/hadoopconf"
	krbclient "github.com/jcmturner/gokrb5/v8/client"
	krbconfig "github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
)

// HDFS over its native RPC protocol (github.com/colinmarc/hdfs/v2):
//
//	hdfs://namenode:8020/path    one NameNode (port 8020 when omitted)
//	hdfs://nameservice/path      an HA nameservice of $HADOOP_CONF_DIR
//	hdfs:///path                 fs.defaultFS of $HADOOP_CONF_DIR
//
// The user is $HADOOP_USER_NAME, else the OS user. When the configuration
// says hadoop.security.authentication=kerberos, the Kerberos ticket cache
// ($KRB5CCNAME, else /tmp/krb5cc_UID) and krb5.conf ($KRB5_CONFIG, else
// /etc/krb5.conf) are used, as `kinit` leaves them.

func init() { Register(openHDFS, "hdfs") }

const (
	// hdfsDefaultPort is the NameNode RPC port when a URL names none.
	hdfsDefaultPort = "8020"
	// hdfsDialTimeout bounds connecting to a NameNode or a DataNode.
	hdfsDialTimeout = 15 * time.Second
	// hdfsCopyingSuffix names the file Create writes before renaming it
	// into place, as `hadoop fs -put` does.
	hdfsCopyingSuffix = "._COPYING_"
)

// hdfsNamenodeIdle is how long a NameNode call may go without progress
// (a variable for tests).
var hdfsNamenodeIdle = 2 * time.Minute

// hdfsFS is one HDFS file system reached over RPC.
type hdfsFS struct {
	client *hdfs.Client
	// top is "hdfs://authority" as the URL gave it, for Label.
	top string
}

// openHDFS is the Opener of hdfs:// URLs.
func openHDFS(ctx context.Context, u *url.URL) (FS, string, error) {
	top := "hdfs://" + u.Host
	conf, err := hadoopconf.LoadFromEnvironment()
	if err != nil {
		return nil, "", fmt.Errorf("%s: reading the Hadoop configuration ($HADOOP_CONF_DIR): %w", top, err)
	}
	addrs, err := hdfsNamenodes(conf, u.Host)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", u.Redacted(), err)
	}
	opts := hdfs.ClientOptionsFromConf(conf)
	opts.Addresses = addrs
	opts.User = hadoopUser()
	dial := (&net.Dialer{Timeout: hdfsDialTimeout, KeepAlive: 30 * time.Second}).DialContext
	opts.NamenodeDialFunc, opts.DatanodeDialFunc = idleDial(dial, hdfsNamenodeIdle), dial
	if opts.KerberosClient != nil {
		if opts.KerberosClient, err = kerberosClient(); err != nil {
			return nil, "", fmt.Errorf("%s: hadoop.security.authentication is kerberos: %w", top, err)
		}
		if opts.KerberosServicePrincipleName == "" {
			return nil, "", fmt.Errorf("%s: hadoop.security.authentication is kerberos but dfs.namenode.kerberos.principal is not set", top)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	c, err := hdfs.NewClient(opts)
	if err != nil {
		return nil, "", fmt.Errorf("%s: connecting to the NameNode (%s) as %s: %w", top, strings.Join(addrs, ", "), opts.User, err)
	}
	return &hdfsFS{client: c, top: top}, u.Path, nil
}

// idleDial wraps a dial function so that every read or write of its
// connections fails after idle without progress: the library sets no
// deadline on NameNode calls, so a NameNode that stops answering would
// hang a call forever.
func idleDial(dial func(ctx context.Context, network, addr string) (net.Conn, error), idle time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &idleConn{Conn: c, idle: idle}, nil
	}
}

// idleConn moves its deadline forward before each read and write.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c *idleConn) Read(p []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.idle)); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func (c *idleConn) Write(p []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.idle)); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// hdfsNamenodes resolves a URL's authority to NameNode RPC addresses:
// host:port as it is, a host alone on port 8020, a nameservice of the
// configuration (dfs.ha.namenodes.NS and dfs.namenode.rpc-address.NS.ID, or
// dfs.namenode.rpc-address.NS) to its NameNodes in the configured order,
// and "" to fs.defaultFS.
func hdfsNamenodes(conf hadoopconf.HadoopConf, host string) ([]string, error) {
	if host == "" {
		def := conf["fs.defaultFS"]
		if def == "" {
			def = conf["fs.default.name"]
		}
		du, err := url.Parse(def)
		if def == "" || err != nil || du.Scheme != "hdfs" || du.Host == "" {
			return nil, fmt.Errorf("hdfs:/// needs fs.defaultFS = hdfs://NAMENODE in $HADOOP_CONF_DIR/core-site.xml (got %q)", def)
		}
		host = du.Host
	}
	if ids := conf["dfs.ha.namenodes."+host]; ids != "" {
		var addrs []string
		for _, id := range strings.Split(ids, ",") {
			id = strings.TrimSpace(id)
			if id == "" {
				continue
			}
			key := "dfs.namenode.rpc-address." + host + "." + id
			a := conf[key]
			if a == "" {
				return nil, fmt.Errorf("nameservice %s: %s is not set in $HADOOP_CONF_DIR/hdfs-site.xml", host, key)
			}
			addrs = append(addrs, a)
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("nameservice %s: dfs.ha.namenodes.%s lists no NameNode", host, host)
		}
		return addrs, nil
	}
	if a := conf["dfs.namenode.rpc-address."+host]; a != "" {
		return []string{a}, nil
	}
	if _, _, err := net.SplitHostPort(host); err == nil {
		return []string{host}, nil
	}
	return []string{net.JoinHostPort(host, hdfsDefaultPort)}, nil
}

// hadoopUser is $HADOOP_USER_NAME, else the OS user.
func hadoopUser() string {
	if u := os.Getenv("HADOOP_USER_NAME"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "nobody"
}

// kerberosClient logs in from the ticket cache `kinit` leaves.
func kerberosClient() (*krbclient.Client, error) {
	confPath := os.Getenv("KRB5_CONFIG")
	if confPath == "" {
		confPath = "/etc/krb5.conf"
	}
	cfg, err := krbconfig.Load(confPath)
	if err != nil {
		return nil, fmt.Errorf("reading the Kerberos configuration %s ($KRB5_CONFIG): %w", confPath, err)
	}
	ccPath := krbCCachePath(os.Getenv("KRB5CCNAME"), os.Getuid())
	cc, err := credentials.LoadCCache(ccPath)
	if err != nil {
		return nil, fmt.Errorf("reading the Kerberos ticket cache %s ($KRB5CCNAME; run kinit first): %w", ccPath, err)
	}
	c, err := krbclient.NewFromCCache(cc, cfg, krbclient.DisablePAFXFAST(true))
	if err != nil {
		return nil, fmt.Errorf("using the Kerberos ticket cache %s: %w", ccPath, err)
	}
	return c, nil
}

// krbCCachePath is the ticket cache file a KRB5CCNAME value names
// ("FILE:/path" or "/path"), else /tmp/krb5cc_UID.
func krbCCachePath(env string, uid int) string {
	if p, ok := strings.CutPrefix(env, "FILE:"); ok {
		return p
	}
	if env != "" {
		return env
	}
	return fmt.Sprintf("/tmp/krb5cc_%d", uid)
}

// hdfsPath is the absolute HDFS path of a store path.
func hdfsPath(name string) string { return "/" + strings.Trim(name, "/") }

// Label is the full URL of name.
func (f *hdfsFS) Label(name string) string { return f.top + hdfsPath(name) }

// fail wraps a library error with the URL of name, keeping what errors.Is
// needs (fs.ErrNotExist for a missing path).
func (f *hdfsFS) fail(name, doing string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: %s: %w", f.Label(name), doing, err)
}

// hdfsVersion is the Version of an HDFS file: its modification time in
// Unix milliseconds and its size, "MTIME-SIZE" (HDFS has no ETag). Both
// backends, RPC and WebHDFS, give the same value for the same file.
func hdfsVersion(mod time.Time, size int64) string {
	return fmt.Sprintf("%d-%d", mod.UnixMilli(), size)
}

// hdfsEntry converts a file's description.
func hdfsEntry(name string, fi fs.FileInfo) Entry {
	e := Entry{Name: name, Dir: fi.IsDir(), ModTime: fi.ModTime()}
	if !e.Dir {
		e.Size = fi.Size()
		e.Version = hdfsVersion(e.ModTime, e.Size)
	}
	return e
}

// List returns the entries of dir, sorted by name. The library pages
// through the NameNode's listing (dfs.ls.limit entries a call).
func (f *hdfsFS) List(ctx context.Context, dir string) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// ReadDir stats dir first: a missing dir is fs.ErrNotExist, a file
	// "the file is not a directory".
	infos, err := f.client.ReadDir(hdfsPath(dir))
	if err != nil {
		return nil, f.fail(dir, "list", err)
	}
	out := make([]Entry, 0, len(infos))
	for _, fi := range infos {
		out = append(out, hdfsEntry(fi.Name(), fi))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Stat describes a file or directory.
func (f *hdfsFS) Stat(ctx context.Context, name string) (Entry, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, err
	}
	fi, err := f.client.Stat(hdfsPath(name))
	if err != nil {
		return Entry{}, f.fail(name, "stat", err)
	}
	return hdfsEntry(path.Base(hdfsPath(name)), fi), nil
}

// Open streams a file from the DataNodes, block by block.
func (f *hdfsFS) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r, err := f.client.Open(hdfsPath(name))
	if err != nil {
		return nil, f.fail(name, "open", err)
	}
	if r.Stat().IsDir() {
		r.Close()
		return nil, fmt.Errorf("%s: open: a directory, not a file", f.Label(name))
	}
	if d, ok := ctx.Deadline(); ok {
		_ = r.SetDeadline(d)
	}
	return &hdfsReader{ctx: ctx, r: r, fs: f, name: name}, nil
}

// hdfsReader stops reading when its context is done and names the URL in
// its errors.
type hdfsReader struct {
	ctx  context.Context
	r    *hdfs.FileReader
	fs   *hdfsFS
	name string
}

func (r *hdfsReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = r.fs.fail(r.name, "read", err)
	}
	return n, err
}

func (r *hdfsReader) Close() error { return r.r.Close() }

// Create streams a file to name+"._COPYING_" (creating the parent
// directories) and, when Close succeeds, renames it over name, so the file
// appears whole or not at all, as `hadoop fs -put` does.
func (f *hdfsFS) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := hdfsPath(name)
	if p == "/" {
		return nil, fmt.Errorf("%s: create: needs a file name", f.Label(name))
	}
	tmp := p + hdfsCopyingSuffix
	if err := f.client.MkdirAll(path.Dir(p), 0o755); err != nil {
		return nil, f.fail(name, "create the parent directory", err)
	}
	// A previous copy that did not finish.
	if err := f.client.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, f.fail(name+hdfsCopyingSuffix, "remove", err)
	}
	w, err := f.client.Create(tmp)
	if err != nil {
		return nil, f.fail(name+hdfsCopyingSuffix, "create", err)
	}
	return &hdfsWriter{ctx: ctx, w: w, fs: f, name: name, tmp: tmp, dst: p}, nil
}

// hdfsWriter writes the temporary file and renames it on Close.
type hdfsWriter struct {
	ctx    context.Context
	w      *hdfs.FileWriter
	fs     *hdfsFS
	name   string
	tmp    string
	dst    string
	err    error // the first write error
	once   sync.Once
	closed error
}

func (w *hdfsWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if err := w.ctx.Err(); err != nil {
		w.err = err
		return 0, err
	}
	n, err := w.w.Write(p)
	if err != nil {
		w.err = w.fs.fail(w.name, "write", err)
	}
	return n, w.err
}

// Close finishes the file and renames it into place; after a write error
// or a cancelled context it removes the temporary file instead.
func (w *hdfsWriter) Close() error {
	w.once.Do(func() { w.closed = w.finish() })
	return w.closed
}

func (w *hdfsWriter) finish() error {
	err := w.err
	if err == nil {
		err = w.ctx.Err()
	}
	if err == nil {
		err = closeHDFSWriter(w.w)
		if err != nil {
			err = w.fs.fail(w.name, "close", err)
		}
	} else {
		_ = w.w.Close()
	}
	if err == nil {
		if rerr := w.fs.client.Rename(w.tmp, w.dst); rerr != nil {
			err = w.fs.fail(w.name, "rename "+w.tmp+" into place", rerr)
		}
	}
	if err != nil {
		_ = w.fs.client.Remove(w.tmp)
	}
	return err
}

// closeHDFSWriter closes a file, retrying with backoff while the NameNode
// answers that the last block is still replicating (as the Java client
// does): the data is written, the file is not yet complete.
func closeHDFSWriter(w *hdfs.FileWriter) error {
	wait := 50 * time.Millisecond
	for i := 0; ; i++ {
		err := w.Close()
		if err == nil || !hdfs.IsErrReplicating(err) || i == 8 {
			return err
		}
		time.Sleep(wait)
		wait *= 2
	}
}

// Close ends the connection to the NameNode.
func (f *hdfsFS) Close() error { return f.client.Close() }
