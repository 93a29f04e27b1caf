import json,sys
sys.path.insert(0,'.')
from benchmarks.responder import *
from kata.backend import grounded as g
index = chunk_notes(load_notes())
vectors = np.asarray(embed([c["text"] for c in index]))
for e,v in zip(index,vectors): e["vector"]=v.tolist()
q=sys.argv[1]
chunks=PIPELINES[sys.argv[2] if len(sys.argv)>2 else "production"](q,index,vectors)
r=g._answer_one([(i+1,c["text"]) for i,c in enumerate(chunks)], q, embed)
print(r.found, r.text); print({k:v for k,v in r.why.items() if k!="order"}); print(r.sentences)
