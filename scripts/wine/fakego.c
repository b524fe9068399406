/*
 * go.exe stand-in for scripts/wine/test.sh, never shipped. cmd/tvault's
 * tests build the real binary with `go build -trimpath -o OUT [-tags T] .`
 * (buildTvault in cli_test.go); under wine there is no Go toolchain. The
 * harness cross-builds tvault once per set of tags beforehand, into
 * %TVAULT_WINE_PREBUILT%\tvault.exe and tvault-T.exe, and this program
 * copies the matching one to OUT, as go build would have written it (with
 * -o, go build adds no .exe). The tests of hardware keys build the test age
 * plugin (internal/testkit/ageplugin's Build): for a package path naming
 * age-plugin-tvtest it copies %TVAULT_WINE_PREBUILT%\age-plugin-tvtest.exe.
 * Anything else fails with a message.
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *out = NULL, *tags = "";
	int plugin = 0;
	char dir[MAX_PATH], src[MAX_PATH * 2];
	int i;

	if (argc < 2 || strcmp(argv[1], "build") != 0) {
		fprintf(stderr, "scripts/wine go.exe: only `go build` is faked, not `go %s`\n", argc > 1 ? argv[1] : "");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "-tags") == 0 && i + 1 < argc)
			tags = argv[++i];
		else if (strstr(argv[i], "age-plugin-tvtest") != NULL)
			plugin = 1;
		else if (strcmp(argv[i], "-race") == 0) {
			fprintf(stderr, "scripts/wine go.exe: no -race build for windows/amd64 without cgo\n");
			return 2;
		}
	}
	if (out == NULL) {
		fprintf(stderr, "scripts/wine go.exe: go build without -o\n");
		return 2;
	}
	if (!GetEnvironmentVariableA("TVAULT_WINE_PREBUILT", dir, sizeof dir)) {
		fprintf(stderr, "scripts/wine go.exe: TVAULT_WINE_PREBUILT is not set\n");
		return 2;
	}
	if (plugin) {
		snprintf(src, sizeof src, "%s\\age-plugin-tvtest.exe", dir);
	} else if (tags[0] != '\0') {
		char t[MAX_PATH];
		char *p;
		snprintf(t, sizeof t, "%s", tags);
		for (p = t; *p; p++)
			if (*p == ',')
				*p = '-';
		snprintf(src, sizeof src, "%s\\tvault-%s.exe", dir, t);
	} else {
		snprintf(src, sizeof src, "%s\\tvault.exe", dir);
	}
	if (!CopyFileA(src, out, FALSE)) {
		fprintf(stderr, "scripts/wine go.exe: no prebuilt binary %s for -tags \"%s\" (error %lu); "
			"add the tags to WINE_TVAULT_TAGS\n", src, tags, GetLastError());
		return 1;
	}
	return 0;
}
