"""A Manager's dict, list, Queue and Lock, used by one child and read back by main."""

import multiprocessing


def fill(d, items, q, lock):
    with lock:
        d["child"] = "was here"
        items.append(3)
        items.extend([4, 5])
    q.put("done filling")


if __name__ == "__main__":
    with multiprocessing.Manager() as m:
        d = m.dict(start=1)
        items = m.list([1, 2])
        q = m.Queue()
        lock = m.Lock()
        p = multiprocessing.Process(target=fill, args=(d, items, q, lock))
        p.start()
        print(q.get())
        p.join()
        print("dict", sorted(d.items()))
        print("list", list(items), "len", len(items))
