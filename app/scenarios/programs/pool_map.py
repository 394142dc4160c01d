import multiprocessing


def square(n):
    return n * n


def report(squares):
    print("The callback got: {}".format(squares))


if __name__ == "__main__":
    numbers = [1, 2, 3, 4, 5, 6]
    workers = 2
    chunksize = 2

    with multiprocessing.Pool(workers) as pool:
        # map cuts the numbers into chunks; whichever worker is free takes the next one.
        print("Squares: {}".format(pool.map(square, numbers, chunksize)))

        # apply_async returns at once; get() waits for the worker's answer.
        pending = pool.apply_async(square, (10,))
        print("Square of 10: {}".format(pending.get()))

        # map_async calls report() back here, in this process, once every chunk is done.
        pool.map_async(square, numbers, chunksize, callback=report).wait()

        # No more work: the workers finish what is queued and exit, and join() waits for them.
        pool.close()
        pool.join()
