set terminal pngcairo noenhanced size 900,600 font 'Sans,10'
set output 'final_error.png'
reset
set title "cnn_bn.pbtxt: light_cos (augment shift=1.5,rotate=6,scale=0.05, SGD 0.05 cosine, wd 5e-4), all of mnist-digits train, 3 seed(s)"
set grid
set key top right
set xlabel 'epoch'
set ylabel 'mnist-digits test error % (log scale)'
set logscale y
plot 'final_error.dat' index 0 using 1:2 with linespoints pt 7 ps 0.5 title 'seed 0', \
     'final_error.dat' index 1 using 1:2 with linespoints pt 7 ps 0.5 title 'seed 1', \
     'final_error.dat' index 2 using 1:2 with linespoints pt 7 ps 0.5 title 'seed 2'
set output
set terminal svg noenhanced size 900,600 dynamic font 'Sans,10'
set output 'final_error.svg'
reset
set title "cnn_bn.pbtxt: light_cos (augment shift=1.5,rotate=6,scale=0.05, SGD 0.05 cosine, wd 5e-4), all of mnist-digits train, 3 seed(s)"
set grid
set key top right
set xlabel 'epoch'
set ylabel 'mnist-digits test error % (log scale)'
set logscale y
plot 'final_error.dat' index 0 using 1:2 with linespoints pt 7 ps 0.5 title 'seed 0', \
     'final_error.dat' index 1 using 1:2 with linespoints pt 7 ps 0.5 title 'seed 1', \
     'final_error.dat' index 2 using 1:2 with linespoints pt 7 ps 0.5 title 'seed 2'
set output
