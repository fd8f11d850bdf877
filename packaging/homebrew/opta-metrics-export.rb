# Homebrew formula for our tap (opta-dev/homebrew-tap): the Prometheus exporter, a program and
# a service of its own beside the daemon's (brew services start opta-metrics-export). It comes
# from the same release tarball as opta-metrics; the release workflow renders the version,
# URLs and sha256 sums.
class OptaMetricsExport < Formula
  desc "Prometheus exporter for opta-metrics: /metrics on 127.0.0.1:9612"
  homepage "https://github.com/opta-dev/opta-metrics"
  version "0.1.0"
  license "MIT"

  depends_on :macos
  depends_on "opta-dev/tap/opta-metrics" # the daemon it reads

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
    bin.install "opta-metrics-export" # the tarball holds it beside opta-metrics
  end

  def post_install
    (var/"log").mkpath
  end

  def caveats
    <<~EOS
      The service serves http://127.0.0.1:9612/metrics (this Mac only) from the daemon
      (brew services start opta-metrics). For Prometheus on another machine, run
        opta-metrics-export --listen 0.0.0.0:9612
      The binary may listen on port 9612 only (README: "Many machines").
      Logs: #{var}/log/opta-metrics-export.log
    EOS
  end

  service do
    run [opt_bin/"opta-metrics-export", "--listen", "127.0.0.1:9612"]
    keep_alive true
    process_type :background
    log_path var/"log/opta-metrics-export.log"
    error_log_path var/"log/opta-metrics-export.log"
  end

  test do
    require "net/http"

    assert_match version.to_s, shell_output("#{bin}/opta-metrics-export --version")
    # A port the binary's permission set does not grant is refused in one line.
    refusal = shell_output("#{bin}/opta-metrics-export --listen 127.0.0.1:9613 2>&1", 1)
    assert_match "is not granted", refusal

    # It serves whether or not the daemon runs: opta_up says which, and without the daemon
    # no other reading of the machine is written.
    pid = spawn (bin/"opta-metrics-export").to_s
    body = nil
    begin
      50.times do
        begin
          body = Net::HTTP.get(URI("http://127.0.0.1:9612/metrics"))
          break
        rescue Errno::ECONNREFUSED
          sleep 0.2
        end
      end
      assert body, "no answer on 127.0.0.1:9612 within 10 s"
      assert_match(/^# TYPE opta_up gauge$/, body)
      up = body[/^opta_up ([01])$/, 1]
      assert up, "no opta_up sample in:\n#{body}"
      assert_equal up == "1", body.match?(/^opta_cpu_usage_ratio /)
    ensure
      Process.kill("TERM", pid)
      _, status = Process.wait2(pid)
      assert_predicate status, :success?, "the exporter must exit 0 on SIGTERM"
    end
  end
end
