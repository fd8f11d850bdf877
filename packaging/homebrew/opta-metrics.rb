# Homebrew formula for our tap (opta-dev/homebrew-tap). The release workflow
# (.github/workflows/release.yml) renders the version, URLs and sha256 sums.
class OptaMetrics < Formula
  desc "Low-overhead system metrics streamed at 25 Hz as FlatBuffers over a Unix socket"
  homepage "https://github.com/opta-dev/opta-metrics"
  version "0.1.0"
  license "MIT"

  # Only macOS binaries are published for Homebrew; Linux users take the release tarball and
  # its systemd unit (install-service.sh).
  depends_on :macos

  on_macos do
    on_arm do
      url "https://github.com/opta-dev/opta-metrics/releases/download/v0.1.0/opta-metrics-aarch64-apple-darwin.tar.gz"
      sha256 "0000000000000000000000000000000000000000000000000000000000000000"
    end
    on_intel do
      url "https://github.com/opta-dev/opta-metrics/releases/download/v0.1.0/opta-metrics-x86_64-apple-darwin.tar.gz"
      sha256 "0000000000000000000000000000000000000000000000000000000000000000"
    end
  end

  def install
    bin.install "opta-metrics" # the tarball holds one file of exactly this name
  end

  def post_install
    # The service's socket directory; the binary may create sockets only at its granted paths.
    (var/"run").mkpath
    (var/"log").mkpath
  end

  def caveats
    <<~EOS
      The service streams on:
        #{var}/run/opta-metrics.sock
      Clients with no --socket (opta-metrics watch, the menu-bar app) look in your
      per-user temporary directory ($TMPDIR) first and then this path, so they find the
      service as is. Run standalone instead (the same socket: this binary's permissions,
      fixed when it was built, cannot name $TMPDIR, which differs for every user):
        opta-metrics serve
      Logs: #{var}/log/opta-metrics.log
    EOS
  end

  service do
    run [opt_bin/"opta-metrics", "serve", "--socket", var/"run/opta-metrics.sock"]
    keep_alive true
    # Standard, not Background: Background adds timer coalescing, which makes a 25 Hz
    # stream stutter; the daemon costs about 2 % of one core (BENCHMARKS.md).
    process_type :standard
    log_path var/"log/opta-metrics.log"
    error_log_path var/"log/opta-metrics.log"
  end

  test do
    require "json"
    require "socket"

    assert_match version.to_s, shell_output("#{bin}/opta-metrics --version")

    sample = JSON.parse(shell_output("#{bin}/opta-metrics sample --json"))
    %w[cpu_usage memory_usage memory_total disk_usage top_processes].each do |key|
      assert sample.key?(key), "sample --json lacks #{key}"
    end
    assert_operator sample["memory_total"], :>, 0

    # Serve on the short default path (granted to the binary), read one frame, stop.
    sock = "/tmp/opta-metrics.sock"
    if File.socket?(sock)
      opoo "a daemon already serves on #{sock}; skipping the serve test"
    else
      pid = spawn (bin/"opta-metrics").to_s, "serve", "--socket", sock
      status = nil
      begin
        100.times do
          break if File.socket?(sock)

          _, status = Process.wait2(pid, Process::WNOHANG)
          break if status

          sleep 0.1
        end
        assert_nil status, "the daemon exited (#{status}) before binding #{sock}; its error is above"
        assert File.socket?(sock), "no socket at #{sock} after 10 s"
        frame = UNIXSocket.open(sock) do |s|
          length = s.read(4).unpack1("N") # 4-byte big-endian length
          s.read(length)
        end
        assert_equal "OPTM", frame[4, 4] # FlatBuffers file identifier
      ensure
        unless status
          begin
            Process.kill("TERM", pid)
          rescue Errno::ESRCH
            nil # it is gone already: the failure above, not this, is the one to report
          end
          _, status = Process.wait2(pid)
        end
      end
      assert_predicate status, :success?, "the daemon must exit 0 on SIGTERM"
      refute File.exist?(sock), "the daemon must remove its socket on SIGTERM"
    end
  end
end
