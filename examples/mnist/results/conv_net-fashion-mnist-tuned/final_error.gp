set terminal pngcairo noenhanced size 900,600 font 'Sans,10'
set output 'final_error.png'
reset
set title "cnn_bn_fashion.pbtxt: fashion_cos30 (augment shift=2, SGD 0.05 cosine, wd 5e-4, 30 epochs), all of fashion-mnist train, 1 seed(s)"
set grid
set key top right
set xlabel 'epoch'
set ylabel 'fashion-mnist test error % (log scale)'
set logscale y
plot 'final_error.dat' index 0 using 1:2 with linespoints pt 7 ps 0.5 title 'seed 0'
set output
set terminal svg noenhanced size 900,600 dynamic font 'Sans,10'
set output 'final_error.svg'
reset
set title "cnn_bn_fashion.pbtxt: fashion_cos30 (augment shift=2, SGD 0.05 cosine, wd 5e-4, 30 epochs), all of fashion-mnist train, 1 seed(s)"
set grid
set key top right
set xlabel 'epoch'
set ylabel 'fashion-mnist test error % (log scale)'
set logscale y
plot 'final_error.dat' index 0 using 1:2 with linespoints pt 7 ps 0.5 title 'seed 0'
set output
