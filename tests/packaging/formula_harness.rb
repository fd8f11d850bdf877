# Runs a formula's `test do` block outside Homebrew: the DSL calls it makes are no-ops,
# `bin` is ARGV[1], assertions are Minitest's (the ones Homebrew uses).
require "minitest"
require "pathname"

class Formula
  include Minitest::Assertions
  attr_writer :assertions

  def assertions = @assertions ||= 0

  class << self
    attr_reader :test_block, :formula_version

    def version(value) = @formula_version = value
    def test(&block) = @test_block = block

    %i[desc homepage license depends_on url sha256 service on_macos on_arm on_intel].each do |m|
      define_method(m) { |*_args, **_kw, &_block| nil }
    end
  end

  def bin = Pathname(ARGV[1])
  def version = self.class.formula_version
  def opoo(message) = warn("Warning: #{message}")

  def shell_output(cmd, result = 0)
    out = `#{cmd}`
    assert_equal result, $?.exitstatus, "#{cmd} exited #{$?.exitstatus}"
    out
  end
end

load ARGV[0]
formula = Object.const_get(File.read(ARGV[0])[/^class (\w+) < Formula/, 1])
begin
  formula.new.instance_eval(&formula.test_block)
  puts "PASS"
rescue Minitest::Assertion => e
  puts "FAIL: #{e.message}"
  exit 1
rescue StandardError => e
  puts "ERROR: #{e.class}: #{e.message}"
  exit 1
end
