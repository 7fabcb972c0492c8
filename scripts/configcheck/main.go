// configcheck validates the project's container files with the parsers Docker itself runs, so the
// tests need no Docker engine:
//
//	configcheck compose FILE      loads FILE as `docker compose config` does (compose-go: schema,
//	                              interpolation, normalization, consistency, env_file resolution),
//	                              with every profile enabled so no service escapes the check
//	configcheck dockerfile FILE   parses FILE with BuildKit's Dockerfile frontend and its linter (the
//	                              parse-time rules of `docker build --check`); a warning fails, as there
//
// It prints one line per file checked and exits 1 on the first problem, which it prints to stderr.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

func main() {
	if len(os.Args) != 3 || (os.Args[1] != "compose" && os.Args[1] != "dockerfile") {
		fmt.Fprintln(os.Stderr, "usage: configcheck compose FILE | configcheck dockerfile FILE")
		os.Exit(2)
	}
	var summary string
	var err error
	if os.Args[1] == "compose" {
		summary, err = checkCompose(os.Args[2])
	} else {
		summary, err = checkDockerfile(os.Args[2])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[2], err)
		os.Exit(1)
	}
	fmt.Printf("%s: %s\n", os.Args[2], summary)
}

func checkCompose(file string) (string, error) {
	// The options `docker compose` applies: the file's directory is the project directory, whose .env
	// (if any) and the process environment fill ${VARIABLES}.
	options, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithOsEnv,
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithProfiles([]string{"*"}),
	)
	if err != nil {
		return "", err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return "", err
	}
	names := project.ServiceNames()
	sort.Strings(names)
	return fmt.Sprintf("valid compose project, services: %s", strings.Join(names, ", ")), nil
}

func checkDockerfile(file string) (string, error) {
	source, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer source.Close()
	parsed, err := parser.Parse(source)
	if err != nil {
		return "", err
	}
	var problems []string
	for _, warning := range parsed.Warnings {
		problems = append(problems, fmt.Sprintf("line %d: %s", warning.Location.Start.Line, warning.Short))
	}
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, message string, location []parser.Range) {
		line := 0
		if len(location) > 0 {
			line = location[0].Start.Line
		}
		problems = append(problems, fmt.Sprintf("line %d: %s: %s", line, rule, message))
	}})
	stages, _, err := instructions.Parse(parsed.AST, lint)
	if err != nil {
		return "", err
	}
	if len(problems) > 0 {
		return "", fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	names := make([]string, 0, len(stages))
	for _, stage := range stages {
		names = append(names, stage.Name)
	}
	return fmt.Sprintf("valid Dockerfile, stages: %s", strings.Join(names, ", ")), nil
}
