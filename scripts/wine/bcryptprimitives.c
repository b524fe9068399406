/*
 * bcryptprimitives.dll for running Go's Windows test binaries under wine,
 * used by scripts/wine/test.sh only. Never shipped: tvault's Windows
 * binaries run against the real DLL that every Windows 10 and later has.
 *
 * Why: since Go 1.22 the Windows runtime takes its random bytes from
 * ProcessPrng in bcryptprimitives.dll and cannot start without it
 * ("fatal error: bcryptprimitives.dll not found"). Debian 12's wine 8.0
 * does not provide that DLL. This one exports ProcessPrng on top of
 * RtlGenRandom (advapi32's SystemFunction036), which wine does implement
 * and which is the same system generator.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll \
 *        bcryptprimitives.c -ladvapi32 -Wl,--kill-at
 * Install into $WINEPREFIX/drive_c/windows/system32 and run with
 * WINEDLLOVERRIDES=bcryptprimitives=n.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len); /* RtlGenRandom */

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
