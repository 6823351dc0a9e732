// kedahttp: one binary, one subcommand per job. Flags -> options -> one library call -> exit code.

#include "commands.hpp"

#include <exception>
#include <iostream>

int
main(int argc, char** argv)
{
  CLI::App app{"kedahttp - HTTP scale-from-zero toolkit for Kubernetes (KEDA HTTP Add-on compatible)", "kedahttp"};
  app.set_version_flag("--version", std::string("kedahttp ") + KEDAHTTP_VERSION);
  app.require_subcommand(1);
  app.footer("Run 'kedahttp COMMAND --help' for the flags of a command.");

  const auto run_validate = kedahttp::app::add_validate(app);
  const auto run_gen = kedahttp::app::add_gen(app);
  const auto run_serve = kedahttp::app::add_serve(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "kedahttp: error: " << e.what() << "\n"
              << "Run 'kedahttp --help' for usage.\n";
    return kedahttp::app::k_exit_usage;
  }

  try {
    if (app.got_subcommand("validate")) {
      return run_validate();
    }
    if (app.got_subcommand("gen")) {
      return run_gen();
    }
    if (app.got_subcommand("serve")) {
      return run_serve();
    }
  } catch (const std::exception& e) {
    std::cerr << "kedahttp: error: " << e.what() << "\n";
    return kedahttp::app::k_exit_usage;
  }
  return kedahttp::app::k_exit_usage;
}
