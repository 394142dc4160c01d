"""A Pool of two: map, imap_unordered, and apply_async with a callback."""

import multiprocessing


def square(x):
    return x * x


def describe(word, times):
    return f"{word}x{times}"


if __name__ == "__main__":
    called = []
    with multiprocessing.Pool(2) as pool:
        print("map", pool.map(square, range(6)))
        print("imap_unordered", sorted(pool.imap_unordered(square, [7, 8, 9])))
        r = pool.apply_async(describe, ("hi", 3), callback=called.append)
        print("apply_async", r.get(timeout=30))
        pool.close()
        pool.join()
    print("callback got", called)
