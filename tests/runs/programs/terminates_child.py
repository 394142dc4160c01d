import multiprocessing
import time


def sleeper(q):
    q.put("asleep")
    time.sleep(60)


if __name__ == "__main__":
    q = multiprocessing.Queue()
    p1 = multiprocessing.Process(target=sleeper, args=(q,))
    p1.start()
    q.get()
    p1.terminate()
    p1.join()
    print("p1 exit code:", p1.exitcode)
