import re,sys
fast={}; exact={}; reg={}
def parse(f, store, name):
    for line in open(f):
        m=re.match(r'LayerBenchmark\.'+name+r'\s+(\d+)\s+\S+\s+\S+\s+(\d+)\s+(\d+)\s+ss\s.*?([\d.]+)\s+ms/op',line)
        if m: store[(int(m[1]),int(m[2]),int(m[3]))]=float(m[4])
        m=re.search(r'layer-regime L=(\d+) heads=(\d+) width=(\d+).*degree=(\d+) rank=(\d+) radius=(\S+) bound=(\S+) kind=(\S+)',line)
        if m: reg[(int(m[1]),int(m[2]),int(m[3]))]=(m[4],m[5],m[6],m[7],m[8][0])
for f in sys.argv[1].split(','): parse(f, fast, 'fast')
for f in ['exact-small.txt','exact-16k.txt','exact-64k.txt']: parse(f, exact, 'exact')
print("| L | H | w | degree (kind) | rank | R | bound | fast (s) | exact (s) | exact / fast |")
print("|---|---|---|---|---|---|---|---|---|---|")
for k in sorted(fast):
    d,r,R,b,kind=reg[k]
    e=exact.get(k)
    print(f"| {k[0]} | {k[1]} | {k[2]} | {d} {kind} | {r} | {float(R):.3f} | {float(b):.2g} | {fast[k]/1000:.2f} | {'%.1f'%(e/1000) if e else '-'} | {'%.2g'%(e/fast[k]) if e else '-'} |")
