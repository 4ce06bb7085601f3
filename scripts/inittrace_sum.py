#!/usr/bin/env python3
"""Sum of GODEBUG=inittrace=1 over 21 runs of "X inspect < sess.txt" per binary
(docs/benchmarks-startup.md): packages, median init clock, init heap bytes and allocs,
and the 12 slowest packages by median clock. Usage: scripts/inittrace_sum.py BINARY..."""
import subprocess, statistics, sys, os
def one(b):
    p = subprocess.run([b, "inspect"], stdin=open("sess.txt","rb"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ, GODEBUG="inittrace=1"))
    ms=by=al=n=0
    per={}
    for l in p.stderr.decode().splitlines():
        if l.startswith("init "):
            f=l.split()
            ms+=float(f[4]); by+=int(f[7]); al+=int(f[9]); n+=1
            per[f[1]]=float(f[4])
    return ms,by,al,n,per
for b in sys.argv[1:]:
    rs=[one(b) for _ in range(21)]
    pk={}
    for r in rs:
        for k,v in r[4].items(): pk.setdefault(k,[]).append(v)
    top=sorted(((statistics.median(v),k) for k,v in pk.items()), reverse=True)[:12]
    print(b, "packages", rs[0][3], "median init clock sum %.2f ms (min %.2f)"%(statistics.median(r[0] for r in rs), min(r[0] for r in rs)), "heap bytes", rs[0][1], "allocs", rs[0][2])
    for m,k in top: print("   %.3f %s"%(m,k))
