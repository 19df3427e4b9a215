/* Test-only, for wine: ProcessPrng, which Go programs (esbuild.exe) call at start and Debian 12's
 * wine 8.0 lacks (it came with wine 9). Built with mingw-w64 into the test's own wine prefix
 * by tests/binary/wine.ts; nothing ships it. RtlGenRandom underneath. */
#include <windows.h>
BOOLEAN NTAPI SystemFunction036(PVOID buffer, ULONG length);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
    if (!SystemFunction036(data, n)) return FALSE;
    data += n; len -= n;
  }
  return TRUE;
}
