#pragma once

// Each subcommand: register flags on the CLI11 app, then run and return the exit code.

#include <CLI/CLI.hpp>

#include <functional>

namespace kedahttp::app {

// Exit codes shared by every command.
constexpr int k_exit_ok = 0;
constexpr int k_exit_findings = 1; // the input is bad (findings at or above --fail-on)
constexpr int k_exit_usage = 2;    // usage error or unreadable input

// Registers `validate` on `app`; the returned function runs it once parsing succeeded.
std::function<int()> add_validate(CLI::App& app);
std::function<int()> add_gen(CLI::App& app);
std::function<int()> add_serve(CLI::App& app);

} // namespace kedahttp::app
