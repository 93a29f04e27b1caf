import json,sys
sys.path.insert(0,'.')
from benchmarks.responder import *
from kata.backend import grounded
index = chunk_notes(load_notes())
vectors = np.asarray(embed([c["text"] for c in index]))
for e,v in zip(index,vectors): e["vector"]=v.tolist()
pipe = PIPELINES[sys.argv[1]]
out=[]
for part in sys.argv[2:]:
    rows=[json.loads(l) for l in part_path(part).read_text().splitlines() if l.strip()]
    for row in rows:
        chunks=pipe(row["question"],index,vectors)
        ctx=[(i+1,c["text"]) for i,c in enumerate(chunks)]
        parts=grounded.sub_questions(row["question"])
        r=grounded._answer_one(ctx, parts[0], embed)
        w={k:v for k,v in r.why.items() if k not in ("order","ranking")}
        incontext = row["note"] is not None and all(holds(" ".join(c["text"] for c in chunks),f) for f in row["facts"])
        ok1 = row["note"] is not None and any(holds(" ".join(s for _,s in r.sentences),f) for f in row["facts"])
        out.append(dict(id=row["id"],q=row["question"],ans=row["note"] is not None,incontext=incontext,found=r.found,has_fact=ok1,**w))
        lab = "ANS" if row["note"] else "UNA"
        print(f'{row["id"]:4} {lab} found={int(r.found)} fact={int(ok1)} {w}  {row["question"][:70]}')
json.dump(out,open("/tmp/feat.json","w"))
